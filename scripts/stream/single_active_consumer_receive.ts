/**
 * Stream tutorial 4, single active consumer: the consumer. Start two or
 * three. Each subscribes to the stream "stream-sac-javascript" under the
 * same consumer reference, "sac-tutorial", with single active consumer on:
 * the broker delivers to one of them only, the active one, which prints
 * each message and stores its offset on the broker after it (tutorial 2
 * stores every 10). Stop the active one (Ctrl+C, or kill it): the broker
 * makes the next one active, which resumes right after the offset stored
 * last. Nothing read twice, nothing skipped.
 *
 * Run:   deno task stream:single_active_consumer_receive   (in two or three terminals)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { cli } from "../../lib/cli.ts";
import { closeOnSignal } from "../../lib/shutdown.ts";
import {
  connectStream,
  givenStreamPort,
  SINGLE_ACTIVE_CONSUMER,
  STREAM_PORT_OPTION,
  streamClosed,
} from "../../lib/stream.ts";

const { brokers, values } = cli("stream:single_active_consumer_receive", {
  summary:
    'Read the stream "stream-sac-javascript" as one of a group of consumers of which one reads at a time (stream tutorial 4)',
  options: {
    stream: { default: "stream-sac-javascript", description: "stream name" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(
  brokers,
  port,
  (options) => rabbit.connect(options),
  SINGLE_ACTIVE_CONSUMER,
);
closeOnSignal(client);

console.log("Making sure the stream exists...");
const streamName = values.stream;
await client.createStream({ stream: streamName, arguments: {} });

// The consumers of one reference form a group: one of them is active, the others wait.
const consumerRef = "sac-tutorial";
console.log(` [*] Waiting to be the active consumer of "${consumerRef}". To exit press CTRL+C`);
await client.declareConsumer({
  stream: streamName,
  consumerRef,
  singleActive: true,
  offset: rabbit.Offset.first(), // replaced by what consumerUpdateListener returns
  // The broker calls this when it makes this consumer the active one: it reads on right after
  // the offset stored last, by whichever consumer of the group was active before.
  consumerUpdateListener: async (reference, stream) => {
    const offset = await client.offsetAfterStored(reference, stream);
    const from = offset.value === undefined ? "the first message" : `offset ${offset.value}`;
    console.log(` [*] Active now: reading from ${from}`);
    return offset;
  },
  connectionClosedListener: () => streamClosed(streamName),
}, async (message, consumer) => {
  console.log(` [x] Received ${message.content.toString()} (offset ${message.offset})`);
  await consumer.storeOffset(message.offset!); // after each message: the next one resumes after it
});
