/**
 * Whether a broker answers at a URL, and waiting until one does: for the
 * broker task, the cluster's nodes and the tests.
 *
 * @module
 */
import amqp from "amqplib";
import { classifyError } from "../../lib/errors.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { maskUrl } from "../../lib/url.ts";
import { PollTimeout, pollUntil } from "./poll.ts";

/**
 * True when a broker at `url` completes an AMQP handshake, including one
 * that refuses the login (it answers, the credentials are another matter).
 *
 * @example
 * ```ts
 * if (!(await brokerAnswers("amqp://localhost"))) console.log("no broker");
 * ```
 */
export async function brokerAnswers(url: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const connection = await amqp.connect(url, { timeout: timeoutMs });
    await connection.close();
    return true;
  } catch (error) {
    return ["login", "vhost"].includes(classifyError(error));
  }
}

/** Waits until an AMQP handshake succeeds at `url`, or throws after `timeoutMs`. */
export async function waitForBroker(url: string, timeoutMs: number): Promise<void> {
  try {
    await pollUntil("the broker answers", () => brokerAnswers(url), {
      timeoutMs,
      intervalMs: 500,
    });
  } catch (error) {
    if (!(error instanceof PollTimeout)) throw error;
    throw new ProgramError(
      `The broker at "${maskUrl(url)}" did not accept connections within ${
        timeoutMs / 1000
      } s; see its log ("deno task broker status" says where it is)`,
    );
  }
}
