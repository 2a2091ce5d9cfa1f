/**
 * Helpers for the lab's tests: a unique student per test, starting lab
 * consumers, and telling whether a queue or exchange exists and how many
 * consumers the broker lists for a queue.
 */
import assert from "node:assert/strict";
import { studentObjects } from "../lib/lab/names.ts";
import {
  deleteExchanges,
  deleteQueues,
  ENV,
  eventually,
  Program,
  runTask,
  URL,
  withChannel,
} from "./_helpers.ts";

export { queueState } from "./_helpers.ts";

/** The line every lab consumer prints once it has declared its queue, before it consumes. */
export const WAITING = "INFO: Waiting for messages. To exit press CTRL+C";

/** A student of their own for one test: group `test-NNNN`, a random Latin surname. */
export interface Student {
  /** `<group>_<surname>`: task 1's queue. */
  name: string;
  /** `--group G --surname S`, for the programs. */
  args: string[];
}

/** A student no other test uses, e.g. `test-4821_qzkfbwma`. */
export function uniqueStudent(): Student {
  const letters = Array.from(
    crypto.getRandomValues(new Uint8Array(10)),
    (byte) => String.fromCharCode(97 + (byte % 26)),
  ).join("");
  const group = `test-${1000 + Math.floor(Math.random() * 9000)}`;
  return { name: `${group}_${letters}`, args: ["--group", group, "--surname", letters] };
}

/** Deletes every queue and exchange the lab's programs declare for the student. */
export async function deleteStudentObjects(student: Student): Promise<void> {
  const { queues, exchanges } = studentObjects(student.name);
  await deleteQueues(...queues);
  await deleteExchanges(...exchanges);
}

/**
 * Starts a program with `env` (default ENV: the test broker) and waits for
 * its ready line; stops it if that line does not come.
 */
export async function startWith(
  task: string,
  args: string[],
  ready: string,
  env: Record<string, string> = ENV,
): Promise<Program> {
  const program = await Program.start(task, args, { env });
  try {
    await program.waitFor(ready);
  } catch (error) {
    await program.stop("SIGKILL"); // not left running when the test fails here
    throw error;
  }
  return program;
}

/**
 * Starts a lab consumer and waits for its ready line. The line comes once
 * its queue is declared and bound, before it consumes: where a test needs it
 * to be consuming, wait for {@link waitForConsumers} too.
 */
export function startLab(
  task: string,
  args: string[] = [],
  env: Record<string, string> = ENV,
): Promise<Program> {
  return startWith(task, args, WAITING, env);
}

/** Runs a lab program that must succeed, and returns its stdout. */
export async function runLab(
  task: string,
  args: string[] = [],
  env: Record<string, string> = ENV,
): Promise<string[]> {
  const result = await runTask(task, args, { env });
  assert.equal(result.code, 0, `${task} failed: ${result.stderr.join("\n")}`);
  assert.deepEqual(result.stderr, []);
  return result.stdout;
}

/** True when the exchange exists; other failures than NOT_FOUND are thrown. */
export async function exchangeExists(exchange: string, url?: string): Promise<boolean> {
  try {
    await withChannel((channel) => channel.checkExchange(exchange), url);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

/** Waits until the broker lists `count` consumers on the (non-exclusive) queue. */
export async function waitForConsumers(queue: string, count: number, url = URL): Promise<void> {
  await eventually(
    `queue "${queue}" has ${count} consumer(s)`,
    () =>
      withChannel(
        async (channel) => (await channel.checkQueue(queue)).consumerCount === count,
        url,
      ),
  );
}
