/**
 * The bench's own AMQP work around a measured run: names of its own, its
 * connections, a backlog queued before a consumer starts, and deleting what
 * a run declared.
 *
 * @module
 */
import amqp, { type Channel, type ConfirmChannel } from "amqplib";
import { Buffer } from "node:buffer";
import { socketOptions } from "../lib/connect.ts";
import { RunFailure } from "./measure.ts";

/** A queue or exchange name of this run alone, e.g. `bench.worker.1a2b3c4d`. */
export function uniqueName(job: string): string {
  return `bench.${job}.${crypto.randomUUID().slice(0, 8)}`;
}

/** How the bench connects: the connection's name, and Nagle's algorithm (default off). */
export interface Connect {
  name?: string;
  nagle?: boolean;
}

/**
 * Runs `fn` with a channel (a confirm channel with `confirm`) on a
 * connection of its own, then closes both: the channel first, which waits
 * until everything published on it is sent (closing only the connection may
 * drop what is still in amqplib's buffers).
 */
export function withChannel<T>(
  url: string,
  fn: (channel: ConfirmChannel) => Promise<T>,
  how: Connect & { confirm: true },
): Promise<T>;
export function withChannel<T>(
  url: string,
  fn: (channel: Channel) => Promise<T>,
  how?: Connect,
): Promise<T>;
export async function withChannel<T>(
  url: string,
  fn: (channel: ConfirmChannel) => Promise<T>,
  { name = "bench", nagle = false, confirm = false }: Connect & { confirm?: boolean } = {},
): Promise<T> {
  const connection = await amqp.connect(url, socketOptions(url, { name, noDelay: !nagle }));
  try {
    const channel = confirm
      ? await connection.createConfirmChannel()
      : await connection.createChannel() as ConfirmChannel;
    channel.on("error", () => {}); // a refusal rejects the call that caused it
    const result = await fn(channel);
    await channel.close();
    return result;
  } finally {
    await connection.close().catch(() => {});
  }
}

/**
 * Waits for `drain`, but at most a second: under heavy load amqplib has been
 * seen never to emit it (amqplib issue #398), and a publish that returns
 * false has still been buffered, so waiting again on the next one keeps the
 * backpressure without wedging the loop.
 */
export function drained(channel: Channel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      channel.off("drain", done);
      resolve();
    };
    const timer = setTimeout(done, 1000);
    channel.once("drain", done);
  });
}

/** How a backlog is queued: persistent messages (the worker's tasks), the queue's type. */
export interface Backlog {
  persistent?: boolean;
  /** Default quorum, as the tutorials declare it. */
  queueType?: "quorum" | "classic";
}

/**
 * Declares the durable `queue` as the tutorials do (or of `queueType`) and
 * puts `count` messages 'Hello World!' in it, confirmed.
 */
export async function fillQueue(url: string, queue: string, count: number, backlog: Backlog) {
  await withChannel(url, async (channel) => {
    const queueType = backlog.queueType ?? "quorum";
    await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": queueType } });
    const body = Buffer.from("Hello World!");
    for (let i = 0; i < count; i++) {
      if (!channel.sendToQueue(queue, body, { persistent: backlog.persistent })) {
        await drained(channel);
      }
      // Bounded: 100,000 unconfirmed messages would cost the bench memory for nothing.
      if (i % 10_000 === 9_999) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
  }, { name: "bench: fill", confirm: true });
}

/**
 * Waits until the queue holds `count` messages, asking back to back: without
 * confirms, only the queue can say when the broker has them all. Fails when
 * the count stops growing for a few seconds.
 */
export async function waitForDepth(url: string, queue: string, count: number) {
  await withChannel(url, async (channel) => {
    let messageCount = 0;
    let grewAt = performance.now();
    while (messageCount < count && performance.now() - grewAt < 5_000) {
      const previous = messageCount;
      ({ messageCount } = await channel.checkQueue(queue));
      if (messageCount > previous) grewAt = performance.now();
    }
    if (messageCount !== count) {
      throw new RunFailure(
        `The queue holds ${messageCount} messages, but ${count} were published`,
      );
    }
  });
}

export const deleteQueue = (url: string, queue: string) =>
  withChannel(url, (channel) => channel.deleteQueue(queue));

export const deleteExchange = (url: string, exchange: string) =>
  withChannel(url, (channel) => channel.deleteExchange(exchange));
