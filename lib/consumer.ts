/**
 * Long-running consumers that survive a broker restart or a dropped
 * connection: reconnect with backoff, declare their queues and bindings
 * again, and go on consuming.
 *
 * @module
 */
import amqp, { type Channel, type ChannelModel } from "amqplib";
import { connect, socketOptions } from "./connect.ts";
import { describeError, exitOnUncaughtErrors, fail } from "./errors.ts";
import { closeOnSignal } from "./shutdown.ts";
import { maskUrl } from "./url.ts";

/** Options for {@link startConsumer}. */
export interface ConsumerOptions {
  /** The connection name the management UI shows, e.g. the program's name. */
  name: string;
  /** Reconnect when the connection drops (default true); false: exit 1 instead. */
  reconnect?: boolean;
}

/** Failures worth retrying: the broker is down, restarting, or out of reach. */
const TRANSIENT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Socket closed|Unexpected close|CONNECTION_FORCED|Heartbeat timeout|Connection closed/;

/**
 * Connects and runs `setup` on a new channel: declare, bind, prefetch,
 * consume. When the connection drops it says so on stderr, reconnects with
 * exponential backoff and jitter (up to 15 s between tries), runs `setup`
 * again on a new channel (so exclusive queues and their bindings are
 * re-created), and says when it is back. Messages that were not acked when
 * the connection dropped are requeued by the broker, so an ack for them on
 * the old channel is skipped. Ctrl+C or SIGTERM closes cleanly with exit 0.
 *
 * @example
 * ```ts
 * await startConsumer(url, { name: "receive" }, async (channel) => {
 *   await channel.assertQueue("hello", { durable: true, arguments: { "x-queue-type": "quorum" } });
 *   await channel.consume("hello", (msg) => console.log(msg?.content.toString()));
 * });
 * ```
 */
export async function startConsumer(
  url: string,
  options: ConsumerOptions,
  setup: (channel: Channel) => Promise<void>,
): Promise<void> {
  if (options.reconnect === false) {
    const connection = await connect(url, options);
    const channel = await connection.createChannel();
    closeOnSignal(connection, channel);
    await setup(channel);
    return;
  }

  exitOnUncaughtErrors(url);
  const where = `"${maskUrl(url)}"`;
  let channel: Channel | undefined;
  let lost = false;
  const connection = await amqp.connect(url, {
    ...socketOptions(url, options),
    recovery: {
      initialMaxRetries: 0, // a first connection that fails is an error to report, not to retry
      initialDelay: 500,
      factor: 2,
      maxDelay: 15_000,
      jitter: 0.3,
      async setup(model: ChannelModel) {
        const fresh = await model.createChannel();
        fresh.on("error", (error) => fail(describeError(error, url)));
        skipAcksOnceClosed(fresh);
        channel = fresh;
        await setup(fresh);
      },
    },
  });
  connection.on("error", () => {}); // reported by "disconnect" below
  connection.on("disconnect", (error) => {
    lost = true;
    console.error(`Lost the connection to ${where} (${error.message}); reconnecting`);
  });
  connection.on("connect-failed", (error) => {
    if (!TRANSIENT.test(error.message)) fail(describeError(error, url));
  });
  connection.on("connect", () => {
    if (lost) console.error(`Reconnected to ${where}`);
    lost = false;
  });
  closeOnSignal(connection, { close: async () => await channel?.close() });
}

/**
 * For a consumer whose queue was deleted: the broker then cancels the
 * consumer and amqplib calls the consume callback with `null`. Says so and
 * exits 1, instead of waiting silently for messages that will never come.
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
  fail(
    `The queue "${queue}" was deleted, so the broker stopped this consumer; start the program again`,
  );
}

function skipAcksOnceClosed(channel: Channel): void {
  let closed = false;
  channel.on("close", () => closed = true);
  for (const method of ["ack", "nack", "reject"] as const) {
    const send = channel[method].bind(channel) as (...args: unknown[]) => void;
    channel[method] = (...args: unknown[]) => {
      if (!closed) send(...args);
    };
  }
}
