/**
 * The AMQP phases of `deno task bench` (bench/bench.ts): each opens its own
 * connection(s) and a fresh exclusive queue, runs until it has moved
 * `count` messages (or `calls` RPC calls) or `seconds` have passed, checks
 * that nothing was lost, closes, and returns its figures.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from "amqplib";
import { socketOptions } from "../lib/connect.ts";
import { startClock } from "./cpu.ts";

/** What every phase is given. */
export interface PhaseSettings {
  /** The broker URL. */
  url: string;
  /** Messages per run of a message phase. */
  count: number;
  /** Calls per run of an RPC phase. */
  calls: number;
  /** A run stops after this many seconds even if `count` (or `calls`) is not reached. */
  seconds: number;
  /** Size of every message body, in bytes. */
  messageBytes: number;
  /** Messages per batch for the batch confirm strategy. */
  batchSize: number;
  /** The broker's OS process id, when it runs on this machine: to measure its CPU time. */
  brokerPid?: string;
}

/**
 * One run's figures: `rate` (messages or calls per second); for RPC `p50Ms`
 * and `p99Ms`; where measured, `clientCpuUs` and `brokerCpuUs`, the CPU
 * microseconds this process and the broker spent per message (or call).
 */
export type Sample = Record<string, number>;

/** A phase: runs once and returns its figures. */
export type PhaseRun = (settings: PhaseSettings) => Promise<Sample>;

/** The longest a single run may take, whatever happens, before the bench gives up. */
const HARD_TIMEOUT_MS = 60_000;
/** How long a queue's message count may stay the same before messages count as lost. */
const STALL_MS = 5_000;

/** A phase found something wrong: messages lost or nacked, or no answer in time. */
export class PhaseFailure extends Error {}

/**
 * Publish without confirms, respecting backpressure; the run ends when the
 * queue holds them all (asked with queue.declare, back to back).
 *
 * @example
 * ```ts
 * const { rate } = await publishNoConfirms(settings);
 * ```
 */
export const publishNoConfirms: PhaseRun = (s) =>
  withConnection(s, "publish", async (connection) => {
    const channel = await connection.createChannel();
    const queue = await freshQueue(channel);
    const clock = startClock(s.brokerPid);
    const sent = await publishMessages(channel, queue, s, clock.start + s.seconds * 1000);
    await waitForDepth(channel, queue, sent);
    return clock.stop(sent);
  });

/** Publish one message, wait for its confirm, repeat. */
export const confirmIndividually: PhaseRun = (s) =>
  confirmInRounds(
    s,
    "confirm individually",
    1,
    (channel, queue, body) =>
      new Promise<void>((resolve, reject) =>
        channel.sendToQueue(queue, body, {}, (error) => error ? reject(nacked(1)) : resolve())
      ),
  );

/** Publish `batchSize` messages, wait for all their confirms, repeat. */
export const confirmInBatches: PhaseRun = (s) =>
  confirmInRounds(s, "confirm in batches", s.batchSize, (channel, queue, body, size) => {
    for (let i = 0; i < size; i++) channel.sendToQueue(queue, body);
    return channel.waitForConfirms().catch(() => Promise.reject(nacked(size)));
  });

/**
 * Rounds of up to `roundSize` messages on a confirm channel: `publishRound`
 * publishes one and resolves once all its messages are confirmed, and the
 * next starts, until `count` messages or the time is up.
 */
function confirmInRounds(
  s: PhaseSettings,
  name: string,
  roundSize: number,
  publishRound: (
    channel: ConfirmChannel,
    queue: string,
    body: Buffer,
    size: number,
  ) => Promise<void>,
): Promise<Sample> {
  return withConnection(s, name, async (connection) => {
    const channel = await connection.createConfirmChannel();
    const queue = await freshQueue(channel);
    const body = messageBody(s);
    const clock = startClock(s.brokerPid);
    const deadline = clock.start + s.seconds * 1000;
    let sent = 0;
    while (sent < s.count && performance.now() < deadline) {
      const size = Math.min(roundSize, s.count - sent);
      await publishRound(channel, queue, body, size);
      sent += size;
    }
    const sample = clock.stop(sent);
    await expectDepth(channel, queue, sent);
    return sample;
  });
}

/**
 * Publish without waiting, respecting backpressure, tracking outstanding
 * messages by delivery tag and settling them on `ack`/`nack` (with
 * `multiple`); the run ends when the last one is confirmed.
 */
export const confirmAsynchronously: PhaseRun = (s) =>
  withConnection(s, "confirm asynchronously", async (connection) => {
    const channel = await connection.createConfirmChannel();
    const queue = await freshQueue(channel);
    const body = messageBody(s);
    const outstanding = new Map<number, true>();
    let nacks = 0;
    let publishing = true;
    const allConfirmed = Promise.withResolvers<void>();
    const settle = (isNack: boolean) => ({ deliveryTag, multiple }: ConfirmFields) => {
      const settle = (tag: number) => {
        if (outstanding.delete(tag) && isNack) nacks++;
      };
      if (!multiple) settle(deliveryTag);
      else {
        for (const tag of outstanding.keys()) {
          if (tag > deliveryTag) break;
          settle(tag);
        }
      }
      if (!publishing && outstanding.size === 0) allConfirmed.resolve();
    };
    channel.on("ack", settle(false));
    channel.on("nack", settle(true));

    const clock = startClock(s.brokerPid);
    const deadline = clock.start + s.seconds * 1000;
    let tag = 0;
    while (tag < s.count && performance.now() < deadline) {
      outstanding.set(++tag, true);
      if (!channel.sendToQueue(queue, body)) await drained(channel);
    }
    publishing = false;
    if (outstanding.size > 0) await within(allConfirmed.promise, "waiting for the confirms");
    const sample = clock.stop(tag);
    if (nacks) throw nacked(nacks);
    await expectDepth(channel, queue, tag);
    return sample;
  });

/**
 * Consume a queue filled beforehand with `count` messages, with manual ack
 * (one `ack` per message, not awaited) at the given prefetch.
 */
export function consumeAtPrefetch(prefetch: number): PhaseRun {
  return (s) =>
    withConnection(s, `consume prefetch ${prefetch}`, async (connection) => {
      const filler = await connection.createChannel();
      const queue = await freshQueue(filler);
      const filled = await publishMessages(filler, queue, s, Infinity);
      await waitForDepth(filler, queue, filled);

      const channel = await connection.createChannel();
      await channel.prefetch(prefetch);
      return await consumeUntil(channel, queue, s, () => filled);
    });
}

/**
 * A producer and a consumer (prefetch 100, manual ack) on separate
 * connections at the same time; the run ends when the consumer has
 * received every message the producer sent.
 */
export const producerAndConsumer: PhaseRun = (s) =>
  withConnection(
    s,
    "consumer",
    (consumerConnection) =>
      withConnection(s, "producer", async (producerConnection) => {
        const channel = await consumerConnection.createChannel();
        // Exclusive to the consumer's connection; the producer may still publish to it.
        const queue = await freshQueue(channel);
        await channel.prefetch(100);
        const producer = await producerConnection.createChannel();
        let sent: number | undefined = undefined; // known once the producer is done
        const consumed = consumeUntil(channel, queue, { ...s, seconds: Infinity }, () => sent);
        sent = await publishMessages(producer, queue, s, performance.now() + s.seconds * 1000);
        return await consumed;
      }),
  );

/**
 * Tutorial 6's RPC, in-process: a server consuming a queue (prefetch 1)
 * and replying to `replyTo` with the request's correlation id, and a
 * client with an exclusive reply queue making one call at a time. With
 * `noDelay: false` both connections keep amqplib's default, Nagle's algorithm.
 */
export function rpc(noDelay: boolean): PhaseRun {
  return (s) =>
    withConnection(
      s,
      "rpc server",
      (serverConnection) =>
        withConnection(s, "rpc client", async (clientConnection) => {
          const server = await serverConnection.createChannel();
          const rpcQueue = await freshQueue(server);
          await server.prefetch(1);
          await server.consume(rpcQueue, (msg) => {
            if (!msg) return;
            server.sendToQueue(msg.properties.replyTo, msg.content, {
              correlationId: msg.properties.correlationId,
            });
            server.ack(msg);
          });

          const client = await clientConnection.createChannel();
          const replyQueue = await freshQueue(client);
          let waiting: { id: string; done: () => void } | undefined;
          await client.consume(replyQueue, (msg) => {
            if (msg?.properties.correlationId === waiting?.id) waiting?.done();
          }, { noAck: true });

          const body = messageBody(s);
          const latencies: number[] = [];
          const clock = startClock(s.brokerPid);
          const deadline = clock.start + s.seconds * 1000;
          while (latencies.length < s.calls && performance.now() < deadline) {
            const id = crypto.randomUUID();
            const sentAt = performance.now();
            const reply = new Promise<void>((done) => waiting = { id, done });
            client.sendToQueue(rpcQueue, body, { correlationId: id, replyTo: replyQueue });
            await within(reply, `waiting for the reply to call ${latencies.length + 1}`);
            latencies.push(performance.now() - sentAt);
          }
          const sample = clock.stop(latencies.length);
          latencies.sort((a, b) => a - b);
          return { ...sample, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
        }, { noDelay }),
      { noDelay },
    );
}

/** The `p`th percentile (nearest rank) of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface ConfirmFields {
  deliveryTag: number;
  multiple: boolean;
}

async function withConnection(
  s: PhaseSettings,
  name: string,
  fn: (connection: ChannelModel) => Promise<Sample>,
  options: { noDelay?: boolean } = {},
): Promise<Sample> {
  const connection = await amqp.connect(
    s.url,
    socketOptions(s.url, { name: `bench: ${name}`, noDelay: options.noDelay }),
  );
  try {
    return await within(fn(connection), name, HARD_TIMEOUT_MS);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** A fresh server-named queue, exclusive to the channel's connection: gone when it closes. */
async function freshQueue(channel: Channel): Promise<string> {
  return (await channel.assertQueue("", { exclusive: true })).queue;
}

const bodies = new Map<number, Buffer>();
function messageBody(s: PhaseSettings): Buffer {
  if (!bodies.has(s.messageBytes)) bodies.set(s.messageBytes, Buffer.alloc(s.messageBytes, "x"));
  return bodies.get(s.messageBytes)!;
}

/** Publishes up to `count` messages until `deadline`, waiting for `drain` on backpressure. */
async function publishMessages(
  channel: Channel,
  queue: string,
  s: PhaseSettings,
  deadline: number,
): Promise<number> {
  const body = messageBody(s);
  let sent = 0;
  while (sent < s.count && performance.now() < deadline) {
    sent++;
    if (!channel.sendToQueue(queue, body)) await drained(channel);
  }
  return sent;
}

/**
 * Consumes with manual ack until `expected()` messages (once known) have
 * arrived or `seconds` have passed; then cancels the consumer.
 */
async function consumeUntil(
  channel: Channel,
  queue: string,
  s: PhaseSettings,
  expected: () => number | undefined,
): Promise<Sample> {
  let received = 0;
  let sample: Sample | undefined; // the run's figures, once it has ended
  const finished = Promise.withResolvers<Sample>();
  const clock = startClock(s.brokerPid);
  const check = () => {
    // Messages still arrive until the cancel is done: stop the clock once only.
    if (sample) return;
    if (received === expected() || performance.now() > clock.start + s.seconds * 1000) {
      sample = clock.stop(received);
      finished.resolve(sample);
    }
  };
  const { consumerTag } = await channel.consume(queue, (msg) => {
    if (!msg) return finished.reject(new PhaseFailure(`The queue "${queue}" was deleted`));
    channel.ack(msg);
    received++;
    check();
  }, { noAck: false });
  // A producer that has finished sends nothing more to trigger the check.
  const poll = setInterval(check, 50);
  try {
    const figures = await within(finished.promise, "consuming");
    await channel.cancel(consumerTag);
    return figures;
  } finally {
    clearInterval(poll);
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

/**
 * Checks with queue.declare that the queue holds `count` messages: right
 * after confirms, which the queue sends once it has the messages.
 */
async function expectDepth(channel: Channel | ConfirmChannel, queue: string, count: number) {
  const { messageCount } = await channel.checkQueue(queue);
  if (messageCount !== count) {
    throw new PhaseFailure(`The queue holds ${messageCount} messages, but ${count} were published`);
  }
}

/**
 * Waits until the queue holds `count` messages, asking back to back: without
 * confirms, only the queue can say when the broker has them all. Gives up
 * when the count stops growing for a few seconds.
 */
async function waitForDepth(channel: Channel, queue: string, count: number) {
  let messageCount = 0;
  let grewAt = performance.now();
  while (messageCount < count && performance.now() - grewAt < STALL_MS) {
    const previous = messageCount;
    ({ messageCount } = await channel.checkQueue(queue));
    if (messageCount > previous) grewAt = performance.now();
  }
  if (messageCount !== count) {
    throw new PhaseFailure(`The queue holds ${messageCount} messages, but ${count} were published`);
  }
}

function nacked(count: number): Error {
  return new PhaseFailure(`The broker nacked ${count === 1 ? "a message" : `messages`}`);
}

/** Resolves like `promise`, or fails the phase after `ms` (default HARD_TIMEOUT_MS). */
export async function within<T>(
  promise: Promise<T>,
  what: string,
  ms = HARD_TIMEOUT_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PhaseFailure(`Gave up ${what} after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
