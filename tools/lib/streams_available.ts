/**
 * Whether the stream tutorials can run against a broker: for the demo and
 * the bench, which skip them, saying why, when they cannot.
 *
 * @module
 */
import { ProgramError } from "../../lib/program_error.ts";
import { connectStream } from "../../lib/stream.ts";

/**
 * Why the stream tutorials cannot run against the broker at `url` (too
 * old, no stream port, ...), as the sentence a stream program would print;
 * undefined when they can.
 *
 * @example
 * ```ts
 * const why = await streamsUnavailable("amqp://localhost", 5552);
 * if (why) console.log(`Skipping the stream tutorials: ${why}`);
 * ```
 */
export async function streamsUnavailable(url: string, port: number): Promise<string | undefined> {
  const { connect } = await import("rabbitmq-stream-js-client");
  try {
    const client = await connectStream({ urls: [url], current: url }, port, (options) => {
      // Only this check's connection: a drop after it is nothing to report.
      delete options.listeners;
      return connect({ ...options, connectionName: "stream check" });
    });
    await client.close();
    return undefined;
  } catch (error) {
    if (error instanceof ProgramError) return error.message;
    throw error;
  }
}
