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
import { type Sample, startClock } from "./clock.ts";
import { type Job, RunFailure, within } from "./measure.ts";
import { deleteQueue, drained } from "./queues.ts";

/** What the stream phases are given. */
export interface StreamSettings {
  /** The broker URL. */
  url: string;
  /** Messages per run. */
  count: number;
  /** A run stops after this many seconds even if `count` is not reached. */
  seconds: number;
  /** Size of every message body, in bytes. */
  messageBytes: number;
  /** The broker's OS process id, when it runs on this machine: to measure its CPU time. */
  brokerPid?: string;
}

type PhaseRun = (settings: StreamSettings) => Promise<Sample>;

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
  s: StreamSettings,
  note: (text: string) => void,
): Promise<Job[]> {
  const why = await streamsUnavailable(s.url, streamPort(s.url, undefined));
  if (why) {
    note(`No stream phases: ${why}`);
    return [];
  }
  const phases: { id: string; label: string; run: PhaseRun }[] = [
    {
      id: "stream_publish",
      label: "Stream: publish, stream client (confirms)",
      run: publishWithStreamClient,
    },
    {
      id: "stream_consume",
      label: "Stream: consume, stream client",
      run: consumeWithStreamClient,
    },
    {
      id: "stream_publish_amqp",
      label: "Stream: publish, amqplib (async confirms)",
      run: publishWithAmqplib,
    },
    {
      id: "stream_consume_amqp",
      label: "Stream: consume, amqplib (prefetch 100, ack)",
      run: consumeWithAmqplib,
    },
  ];
  return phases.map(({ id, label, run }) => ({
    id,
    label,
    step: label,
    unit: "msgs/s",
    columns: ["bare"],
    measure: () => run(s),
  }));
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
    await within(confirms.all(), "the stream's confirms");
    return clock.stop(sent);
  });

/** Reads `count` messages (published beforehand) from the first offset with the stream client. */
const consumeWithStreamClient: PhaseRun = (s) =>
  withStream(s, async (stream, client) => {
    const messages = receiving(s, await fill(client, stream, s));
    const consumer = await client.declareConsumer(
      { stream, offset: rabbit.Offset.first() },
      messages.got,
    );
    try {
      return await messages.result("the stream's messages");
    } finally {
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
      await within(channel.waitForConfirms(), "amqplib's confirms").catch(() => {
        throw new RunFailure("The broker nacked messages published to the stream with amqplib");
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
      const messages = receiving(s, filled);
      await channel.consume(stream, (msg) => {
        if (!msg) return messages.fail(new RunFailure(`The stream "${stream}" was deleted`));
        channel.ack(msg);
        messages.got();
      }, { noAck: false, arguments: { "x-stream-offset": "first" } });
      return await messages.result("the stream's messages over amqplib");
    } finally {
      await connection.close().catch(() => {});
    }
  });

/**
 * Runs `fn` with a fresh stream (no retention limit: it is deleted at the
 * end) and a stream client, then closes the client and deletes the stream.
 */
async function withStream(
  s: StreamSettings,
  fn: (stream: string, client: Client) => Promise<Sample>,
): Promise<Sample> {
  const stream = `bench.stream.${crypto.randomUUID().slice(0, 8)}`;
  const client = await rabbit.connect(
    streamOptions(s.url, streamPort(s.url, undefined), "bench: stream client"),
  );
  try {
    await client.createStream({ stream, arguments: {} });
    return await within(fn(stream, client), `the stream phase on "${stream}"`);
  } finally {
    await client.close().catch(() => {});
    // Over AMQP, once the stream client is gone; the phase's own error, if any, is the one to report.
    await deleteQueue(s.url, stream).catch(() => {});
  }
}

/** Publishes `count` messages with the stream client and waits for their confirms; returns how many. */
async function fill(client: Client, stream: string, s: StreamSettings): Promise<number> {
  const publisher = await client.declarePublisher({ stream });
  const confirms = countConfirms(publisher, () => s.count);
  const body = messageBody(s);
  for (let i = 0; i < s.count; i++) await publisher.send(body);
  await publisher.flush();
  await within(confirms.all(), "the stream to fill");
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
      all.reject(new RunFailure(`The stream refused messages (stream error code ${error})`));
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

/**
 * Counts messages as they arrive, from now: the run ends at the `filled`-th,
 * or when its time is up, with the messages received by then.
 */
function receiving(s: StreamSettings, filled: number) {
  const clock = startClock(s.brokerPid);
  let received = 0;
  const done = Promise.withResolvers<Sample>();
  const timer = setTimeout(() => done.resolve(clock.stop(received)), s.seconds * 1000);
  return {
    got: () => {
      if (++received === filled) done.resolve(clock.stop(received));
    },
    fail: done.reject,
    async result(what: string): Promise<Sample> {
      try {
        return await within(done.promise, what);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const messageBody = (s: StreamSettings) => Buffer.alloc(s.messageBytes, "x");
