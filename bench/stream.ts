/**
 * The stream phases of `deno task bench` (bench/bench.ts): messages through
 * a RabbitMQ stream with the stream client (`rabbitmq-stream-js-client`, the
 * stream protocol on the stream port), beside AMQP 0-9-1 with amqplib on a
 * stream of the same broker (a queue of type stream). A run of each client
 * declares a stream of its own, publishes `count` messages (or what
 * `seconds` allow) until the last confirm, then reads them from the first
 * offset, each timed, and deletes the stream. They need RabbitMQ 3.11 or
 * later and the stream plugin: without them, {@link streamPhases} gives none
 * and says why.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import rabbit, { type Client } from "rabbitmq-stream-js-client";
import { streamOptions, streamPort } from "../lib/stream.ts";
import { streamsUnavailable } from "../tools/lib/streams_available.ts";
import { type Sample, startClock } from "./clock.ts";
import { type Row, RunFailure, within } from "./measure.ts";
import { deleteQueue, drained, uniqueName, withChannel } from "./queues.ts";

/** What the stream phases are given: `count` messages per run (or what `seconds` allow). */
export interface StreamSettings {
  url: string;
  count: number;
  seconds: number;
  /** Size of every message body, in bytes. */
  messageBytes: number;
  /** The broker's OS process id, when it runs on this machine: to measure its CPU time. */
  brokerPid?: string;
}

/** One client's run on a fresh stream: a sample for publishing, then one for consuming. */
type ClientRun = (s: StreamSettings, stream: string, client: Client) => Promise<Sample[]>;

/**
 * The stream phases, a job per client with a row per phase, or none, after
 * calling `note` with the reason, when the broker at `url` cannot serve
 * streams on its stream port (`RABBITMQ_STREAM_PORT`, else 5552).
 */
export async function streamPhases(
  s: StreamSettings,
  note: (text: string) => void,
): Promise<{ id: string; label: string; rows: Row[]; run: () => Promise<Sample[]> }[]> {
  const why = await streamsUnavailable(s.url, streamPort(s.url, undefined));
  if (why) {
    note(`No stream phases: ${why}`);
    return [];
  }
  return [
    {
      id: "stream",
      label: "Stream: publish and consume, stream client",
      rows: [
        { id: "stream_publish", label: "Stream: publish, stream client (confirms)" },
        { id: "stream_consume", label: "Stream: consume, stream client" },
      ],
      run: () => withStream(s, streamClient),
    },
    {
      id: "stream_amqp",
      label: "Stream: publish and consume, amqplib",
      rows: [
        { id: "stream_publish_amqp", label: "Stream: publish, amqplib (async confirms)" },
        { id: "stream_consume_amqp", label: "Stream: consume, amqplib (prefetch 100, ack)" },
      ],
      run: () => withStream(s, amqplib),
    },
  ];
}

/** With the stream client, which batches messages into frames of up to 100. */
const streamClient: ClientRun = async (s, stream, client) => {
  const publisher = await client.declarePublisher({ stream });
  let confirmed = 0;
  const all = Promise.withResolvers<void>();
  all.promise.catch(() => {}); // a refusal while publishing is reported once publishing ends
  let sent: number | undefined; // known once publishing ends
  publisher.on("publish_confirm", (error, ids) => {
    if (error !== null) {
      all.reject(new RunFailure(`The stream refused messages (stream error code ${error})`));
    }
    confirmed += ids.length;
    if (confirmed === sent) all.resolve();
  });
  const body = Buffer.alloc(s.messageBytes, "x");
  const published = await publishFor(s, () => publisher.send(body), async (count) => {
    sent = count;
    await publisher.flush();
    if (confirmed === sent) all.resolve(); // the last confirm may have come before
    await all.promise;
  });
  await publisher.close();
  const messages = receiving(s, published.count);
  const consumer = await client.declareConsumer(
    { stream, offset: rabbit.Offset.first() },
    messages.got,
  );
  try {
    return [published.sample, await messages.result];
  } finally {
    await consumer.close();
  }
};

/**
 * With amqplib, as to a queue on a confirm channel (asynchronous confirms);
 * then from the first offset: a stream needs a prefetch and manual acks
 * over AMQP 0-9-1.
 */
const amqplib: ClientRun = (s, stream) =>
  withChannel(s.url, async (channel) => {
    const body = Buffer.alloc(s.messageBytes, "x");
    const published = await publishFor(
      s,
      () => channel.sendToQueue(stream, body) ? undefined : drained(channel),
      () =>
        channel.waitForConfirms().catch(() => {
          throw new RunFailure("The broker nacked messages published to the stream with amqplib");
        }),
    );
    const messages = receiving(s, published.count);
    await channel.prefetch(100);
    await channel.consume(stream, (msg) => {
      if (!msg) return messages.fail(new RunFailure(`The stream "${stream}" was deleted`));
      channel.ack(msg);
      messages.got();
    }, { noAck: false, arguments: { "x-stream-offset": "first" } });
    return [published.sample, await messages.result];
  }, { name: "bench: stream", confirm: true });

/**
 * Publishes with `send` until `count` messages or the time is up; the
 * sample ends once `confirmed` (given how many were sent) resolves.
 */
async function publishFor(
  s: StreamSettings,
  send: () => Promise<unknown> | undefined,
  confirmed: (count: number) => Promise<unknown>,
) {
  const clock = startClock(s.brokerPid);
  const deadline = clock.start + s.seconds * 1000;
  let count = 0;
  while (count < s.count && performance.now() < deadline) {
    const sending = send();
    if (sending) await sending;
    count++;
  }
  await confirmed(count);
  return { count, sample: clock.stop(count) };
}

/**
 * Counts messages as they arrive, from now: `result` resolves at the
 * `expected`-th, or when the time is up, with the messages received by then.
 */
function receiving(s: StreamSettings, expected: number) {
  const clock = startClock(s.brokerPid);
  let received = 0;
  const done = Promise.withResolvers<Sample>();
  const timer = setTimeout(() => done.resolve(clock.stop(received)), s.seconds * 1000);
  return {
    got: () => {
      if (++received === expected) done.resolve(clock.stop(received));
    },
    fail: done.reject,
    result: done.promise.finally(() => clearTimeout(timer)),
  };
}

/**
 * Runs a client on a fresh stream (no retention limit: it is deleted at the
 * end) with a stream client, within a minute, then closes the client and
 * deletes the stream.
 */
async function withStream(s: StreamSettings, run: ClientRun): Promise<Sample[]> {
  const stream = uniqueName("stream");
  const client = await rabbit.connect(
    streamOptions(s.url, streamPort(s.url, undefined), "bench: stream client"),
  );
  try {
    await client.createStream({ stream, arguments: {} });
    return await within(run(s, stream, client), `the stream phases on "${stream}"`);
  } finally {
    await client.close().catch(() => {});
    // Over AMQP, once the stream client is gone; the phase's own error, if any, is the one to report.
    await deleteQueue(s.url, stream).catch(() => {});
  }
}
