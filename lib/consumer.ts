/**
 * Long-running consumers that survive a broker restart, a dropped
 * connection or a lost cluster node: they reconnect, to the next broker of
 * the list, declare their queues and bindings again, and go on consuming.
 *
 * @module
 */
import type { ChannelModel } from "amqplib";
import { type Brokers, tryInOrder } from "./connect.ts";
import { classifyError } from "./errors.ts";
import { ProgramError } from "./program_error.ts";
import { closeOnSignal } from "./shutdown.ts";
import { maskUrl } from "./url.ts";

/** Waits between reconnection attempts: none before the first, then doubling up to 15 s. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 15_000;
const JITTER = 0.3;

function delay(attempt: number): number {
  if (attempt === 1) return 0; // straight to the next broker of the list
  const base = Math.min(MAX_DELAY_MS / (1 + JITTER), FIRST_DELAY_MS * 2 ** (attempt - 2));
  return Math.round(base * (1 + JITTER * (2 * Math.random() - 1)));
}

/**
 * Runs a consumer: calls `open` with the first broker of the list that
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
export async function keepConsuming(
  brokers: Brokers,
  open: (url: string) => Promise<ChannelModel>,
): Promise<void> {
  const { urls, reconnect = true } = brokers;
  // Each broker tried is the one a failure names.
  const tryOne = (url: string) => open(brokers.current = url);
  let current: ChannelModel | undefined;
  // The connection being opened and set up, if any: Ctrl+C may come before `open` returns.
  let opening: Promise<unknown> = Promise.resolve();
  let stopping = false;
  closeOnSignal({
    async close() {
      stopping = true;
      await opening.catch(() => {});
      await current?.close();
    },
  });

  const watch = (connection: ChannelModel, index: number) => {
    current = connection;
    brokers.current = urls[index];
    connection.on("error", () => {}); // reported by "close"
    connection.on("close", (error?: Error) => {
      if (stopping || !error) return;
      if (!reconnect || classifyError(error) !== "transient") return reportError(error);
      // A worker still busy with a task acks it on the closed channel: the handler skips that.
      brokers.lost = true;
      current = undefined;
      console.error(
        `Lost the connection to "${maskUrl(urls[index])}" (${error.message}); reconnecting`,
      );
      opening = reconnectFrom(index + 1);
    });
  };

  const reconnectFrom = async (start: number) => {
    for (let attempt = 1; !stopping; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, delay(attempt)));
      if (stopping) return;
      const index = (start + attempt - 1) % urls.length;
      try {
        const connection = await tryOne(urls[index]);
        watch(connection, index);
        if (!stopping) console.error(`Reconnected to "${maskUrl(urls[index])}"`);
        return;
      } catch (error) {
        if (classifyError(error) !== "transient") return reportError(error);
      }
    }
  };

  const first = tryInOrder(urls, tryOne);
  opening = first;
  const { value, index } = await first;
  watch(value, index);
  if (urls.length > 1) console.error(`Connected to "${maskUrl(urls[index])}"`);
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
