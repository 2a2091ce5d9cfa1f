/**
 * Long-running consumers that survive a broker restart, a dropped
 * connection or a lost cluster node: they reconnect, to the next broker of
 * the list, declare their queues and bindings again, and go on consuming.
 *
 * @module
 */
import type { ChannelModel } from "amqplib";
import type { Brokers } from "./connect.ts";
import { classifyError } from "./errors.ts";
import { ProgramError } from "./program_error.ts";
import { keepConnected } from "./reconnect.ts";

/**
 * Runs an AMQP 0-9-1 consumer (with lib/reconnect.ts, as AMQP 1.0's
 * `keepReceiving` does): calls `open` with the first broker of the list that
 * answers. `open` connects, declares, binds, consumes, and returns its
 * connection. When that connection drops, says so on stderr, calls `open`
 * again with the next broker of the list (then the next, waiting longer
 * each round, up to 15 s), so exclusive queues and their bindings are made
 * anew, and says which broker it reached. Messages that were not acked
 * when the connection dropped are requeued by the broker; an ack for one
 * of them on the lost channel is skipped (`brokers.lost`). Ctrl+C or
 * SIGTERM closes the connection and exits 0. With several brokers, it also
 * says which one it reached first.
 *
 * Each broker tried becomes `brokers.current`, so that an error names the
 * broker it came from. A failure that reconnecting will not mend (a refused
 * login, a queue declared with other arguments; any drop, with
 * `reconnect: false`) goes to the program's handler with `reportError()`,
 * which prints it and exits 1: it happens in an event listener, where a
 * throw would reach no one.
 *
 * @example
 * ```ts
 * await keepConsuming(brokers, async (url) => {
 *   const connection = await amqp.connect(url, socketOptions(url));
 *   const channel = await connection.createChannel();
 *   await channel.consume("hello", (msg) => console.log(msg?.content.toString()));
 *   return connection;
 * });
 * ```
 */
export function keepConsuming(
  brokers: Brokers,
  open: (url: string) => Promise<ChannelModel>,
): Promise<void> {
  return keepConnected(brokers, open, {
    close: (connection) => connection.close(),
    watch(connection, _url, lost, fail) {
      connection.on("error", () => {}); // reported by "close"
      connection.on("close", (error?: Error) => {
        if (!error) return; // closed by the program
        if (classifyError(error) !== "transient") return fail(error);
        // A worker still busy with a task acks it on the closed channel: the handler skips that.
        lost(error.message, error);
      });
    },
    retry: (error) => classifyError(error) === "transient",
  });
}

/**
 * For a consumer whose queue was deleted: the broker then cancels the
 * consumer and amqplib calls the consume callback with `null`. Throws the
 * sentence that says so (the program exits 1), instead of letting the
 * program wait silently for messages that will never come.
 *
 * @example
 * ```ts
 * await channel.consume(QUEUE, (msg) => {
 *   if (!msg) return queueDeleted(QUEUE);
 *   console.log(msg.content.toString());
 * });
 * ```
 */
export function queueDeleted(queue: string): never {
  throw new ProgramError(
    `The queue "${queue}" was deleted, so the broker stopped this consumer; start the program again`,
  );
}
