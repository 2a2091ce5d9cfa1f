/**
 * The stream phases of `deno task bench` (bench/bench.ts): messages through
 * a RabbitMQ stream with the stream client (`rabbitmq-stream-js-client`, the
 * stream protocol on the stream port), beside AMQP 0-9-1 with amqplib on a
 * stream of the same broker (a queue of type stream). Each run declares a
 * stream of its own and deletes it at the end. They need RabbitMQ 3.11 or
 * later and the stream plugin: without them, {@link streamPhases} gives no
 * phase and says why.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import amqp from "amqplib";
import rabbit, { type Client } from "rabbitmq-stream-js-client";
import { socketOptions } from "../lib/connect.ts";
import { streamOptions, streamPort } from "../lib/stream.ts";
import { streamsUnavailable } from "../tools/lib/streams_available.ts";
import { startClock } from "./cpu.ts";
import {
  drained,
  PhaseFailure,
  type PhaseRun,
  type PhaseSettings,
  type Sample,
  within,
} from "./phases.ts";

/** A phase as bench/bench.ts lists them. */
export interface StreamPhase {
  id: string;
  label: string;
  unit: string;
  run: PhaseRun;
}

/** The longest a run may take, whatever happens, before the bench gives up. */
const HARD_TIMEOUT_MS = 60_000;

/**
 * The stream phases, or none (after calling `note` with the reason) when
 * the broker at `url` cannot serve streams on its stream port
 * (`RABBITMQ_STREAM_PORT`, else 5552).
 *
 * @example
 * ```ts
 * const phases = await streamPhases(url, (why) => console.error(why));
 * ```
 */
export async function streamPhases(
  url: string,
  note: (text: string) => void,
): Promise<StreamPhase[]> {
  const why = await streamsUnavailable(url, streamPort(url, undefined));
  if (why) {
    note(`No stream phases: ${why}`);
    return [];
  }
  return [
    {
      id: "stream_publish",
      label: "Stream: publish, stream client (confirms)",
      unit: "msgs/s",
      run: publishWithStreamClient,
    },
    {
      id: "stream_consume",
      label: "Stream: consume, stream client",
      unit: "msgs/s",
      run: consumeWithStreamClient,
    },
    {
      id: "stream_publish_amqp",
      label: "Stream: publish, amqplib (async confirms)",
      unit: "msgs/s",
      run: publishWithAmqplib,
    },
    {
      id: "stream_consume_amqp",
      label: "Stream: consume, amqplib (prefetch 100, ack)",
      unit: "msgs/s",
      run: consumeWithAmqplib,
    },
  ];
}

/**
 * Publishes with the stream client, which batches messages into frames of
 * up to 100, until `count` messages or the time is up; the run ends at the
 * last confirm.
 */
const publishWithStreamClient: PhaseRun = (s) =>
  withStream(s, async (stream, client) => {
    const publisher = await client.declarePublisher({ stream });
    const clock = startClock(s.brokerPid);
    let sent = 0;
    let publishing = true;
    const confirms = countConfirms(publisher, () => publishing ? undefined : sent);
    const deadline = clock.start + s.seconds * 1000;
    const body = messageBody(s);
    while (sent < s.count && performance.now() < deadline) {
      await publisher.send(body);
      sent++;
    }
    publishing = false;
    await publisher.flush();
    await within(confirms.all(), "waiting for the stream's confirms");
    return clock.stop(sent);
  });

/** Reads `count` messages (published beforehand) from the first offset with the stream client. */
const consumeWithStreamClient: PhaseRun = (s) =>
  withStream(s, async (stream, client) => {
    const filled = await fill(client, stream, s);
    const clock = startClock(s.brokerPid);
    let received = 0;
    const done = Promise.withResolvers<Sample>();
    const consumer = await client.declareConsumer(
      { stream, offset: rabbit.Offset.first() },
      () => {
        if (++received === filled) done.resolve(clock.stop(received));
      },
    );
    const timer = setTimeout(
      () => done.resolve(clock.stop(received)),
      Math.max(0, clock.start + s.seconds * 1000 - performance.now()),
    );
    try {
      return await within(done.promise, "consuming the stream");
    } finally {
      clearTimeout(timer);
      await consumer.close();
    }
  });

/** Publishes to the stream as to a queue, with amqplib on a confirm channel (asynchronous confirms). */
const publishWithAmqplib: PhaseRun = (s) =>
  withStream(s, async (stream) => {
    const connection = await amqp.connect(
      s.url,
      socketOptions(s.url, { name: "bench: stream publish" }),
    );
    try {
      const channel = await connection.createConfirmChannel();
      const body = messageBody(s);
      const clock = startClock(s.brokerPid);
      const deadline = clock.start + s.seconds * 1000;
      let sent = 0;
      while (sent < s.count && performance.now() < deadline) {
        sent++;
        if (!channel.sendToQueue(stream, body)) await drained(channel);
      }
      await within(channel.waitForConfirms(), "waiting for amqplib's confirms").catch(() => {
        throw new PhaseFailure("The broker nacked messages published to the stream with amqplib");
      });
      return clock.stop(sent);
    } finally {
      await connection.close().catch(() => {});
    }
  });

/**
 * Reads `count` messages (published beforehand) from the first offset with
 * amqplib: a stream needs a prefetch and manual acks over AMQP 0-9-1.
 */
const consumeWithAmqplib: PhaseRun = (s) =>
  withStream(s, async (stream, client) => {
    const filled = await fill(client, stream, s);
    const connection = await amqp.connect(
      s.url,
      socketOptions(s.url, { name: "bench: stream consume" }),
    );
    try {
      const channel = await connection.createChannel();
      await channel.prefetch(100);
      const clock = startClock(s.brokerPid);
      let received = 0;
      const done = Promise.withResolvers<Sample>();
      await channel.consume(stream, (msg) => {
        if (!msg) return done.reject(new PhaseFailure(`The stream "${stream}" was deleted`));
        channel.ack(msg);
        if (++received === filled) done.resolve(clock.stop(received));
      }, { noAck: false, arguments: { "x-stream-offset": "first" } });
      const timer = setTimeout(
        () => done.resolve(clock.stop(received)),
        Math.max(0, clock.start + s.seconds * 1000 - performance.now()),
      );
      try {
        return await within(done.promise, "consuming the stream with amqplib");
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await connection.close().catch(() => {});
    }
  });

/**
 * Runs `fn` with a fresh stream (no retention limit: it is deleted at the
 * end) and a stream client, then closes the client and deletes the stream.
 */
async function withStream(
  s: PhaseSettings,
  fn: (stream: string, client: Client) => Promise<Sample>,
): Promise<Sample> {
  const stream = `bench.stream.${crypto.randomUUID().slice(0, 8)}`;
  const client = await rabbit.connect(
    streamOptions(s.url, streamPort(s.url, undefined), "bench: stream client"),
  );
  try {
    await client.createStream({ stream, arguments: {} });
    return await within(fn(stream, client), `the stream phase on "${stream}"`, HARD_TIMEOUT_MS);
  } finally {
    await client.close().catch(() => {});
    await deleteOverAmqp(s.url, stream);
  }
}

/** Deletes the stream over AMQP, once the stream client is gone; a failure leaves it behind. */
async function deleteOverAmqp(url: string, stream: string): Promise<void> {
  try {
    const connection = await amqp.connect(url, socketOptions(url, { name: "bench: cleanup" }));
    await (await connection.createChannel()).deleteQueue(stream);
    await connection.close();
  } catch {
    // the phase's own error, if any, is the one to report
  }
}

/** Publishes `count` messages with the stream client and waits for their confirms; returns how many. */
async function fill(client: Client, stream: string, s: PhaseSettings): Promise<number> {
  const publisher = await client.declarePublisher({ stream });
  const confirms = countConfirms(publisher, () => s.count);
  const body = messageBody(s);
  for (let i = 0; i < s.count; i++) await publisher.send(body);
  await publisher.flush();
  await within(confirms.all(), "filling the stream");
  await publisher.close();
  return s.count;
}

/**
 * Counts a publisher's confirms; `all()` resolves once they reach
 * `expected()` (undefined while still publishing), and rejects at a
 * publish error.
 */
function countConfirms(
  publisher: Awaited<ReturnType<Client["declarePublisher"]>>,
  expected: () => number | undefined,
) {
  let confirmed = 0;
  const all = Promise.withResolvers<void>();
  const check = () => {
    if (confirmed === expected()) all.resolve();
  };
  publisher.on("publish_confirm", (error, ids) => {
    if (error !== null) {
      all.reject(new PhaseFailure(`The stream refused messages (stream error code ${error})`));
    }
    confirmed += ids.length;
    check();
  });
  return {
    all: () => {
      check(); // the last confirm may have come before publishing ended
      return all.promise;
    },
  };
}

const bodies = new Map<number, Buffer>();
function messageBody(s: PhaseSettings): Buffer {
  if (!bodies.has(s.messageBytes)) bodies.set(s.messageBytes, Buffer.alloc(s.messageBytes, "x"));
  return bodies.get(s.messageBytes)!;
}
