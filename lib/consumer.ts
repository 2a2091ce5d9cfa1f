/**
 * Long-running consumers that survive a broker restart, a dropped
 * connection or a lost cluster node: they reconnect, to the next broker of
 * the list, declare their queues and bindings again, and go on consuming.
 *
 * @module
 */
import type { ChannelModel } from "amqplib";
import { tryInOrder } from "./connect.ts";
import { classifyError, ProgramError, reportAndExit, setErrorContext } from "./errors.ts";
import { closeOnSignal } from "./shutdown.ts";
import { maskUrl } from "./url.ts";

/** The brokers of {@link keepConsuming}, as `cli()` gives them. */
export interface Brokers {
  /** Broker URLs, tried in order. */
  urls: string[];
  /** Reconnect when the connection drops (default true); false: exit 1 instead. */
  reconnect?: boolean;
}

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
 * of them on the lost channel is skipped. Ctrl+C or SIGTERM closes the
 * connection and exits 0. With several brokers, it also says which one it
 * reached first.
 *
 * @example
 * ```ts
 * await keepConsuming({ urls }, async (url) => {
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
  let current: ChannelModel | undefined;
  // The connection being opened and set up, if any: Ctrl+C may come before `open` returns.
  let opening: Promise<unknown> = Promise.resolve();
  let stopping = false;
  let lost = false;
  closeOnSignal({
    async close() {
      stopping = true;
      await opening.catch(() => {});
      await current?.close();
    },
  });
  // A worker still busy with a task when its connection dropped acks it on the closed channel.
  setErrorContext({
    survivable: (error) =>
      lost && (error as Error)?.name === "IllegalOperationError"
        ? "Skipped an ack on the lost connection: the broker has requeued that message"
        : undefined,
  });

  const watch = (connection: ChannelModel, index: number) => {
    current = connection;
    setErrorContext({ url: urls[index] });
    connection.on("error", () => {}); // reported by "close"
    connection.on("close", (error?: Error) => {
      if (stopping || !error) return;
      if (!reconnect || classifyError(error) !== "transient") return void reportAndExit(error);
      lost = true;
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
        const connection = await open(urls[index]);
        watch(connection, index);
        if (!stopping) console.error(`Reconnected to "${maskUrl(urls[index])}"`);
        return;
      } catch (error) {
        if (classifyError(error) !== "transient") return void reportAndExit(error);
      }
    }
  };

  const first = tryInOrder(urls, open);
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
