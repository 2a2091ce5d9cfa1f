/**
 * Stream tutorial 2, offset tracking: the consumer. Reads the stream
 * "stream-offset-tracking-javascript" up to the next "marker" message and
 * prints the first and last offsets it read. The broker stores its
 * progress under the consumer reference "offset-tracking-tutorial", every
 * 10 messages and at the marker: the first run starts from the first
 * message, and each later run right after the offset stored last.
 *
 * Run:   deno task stream:offset_tracking_receive   (after `deno task stream:offset_tracking_send`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit, { type Consumer } from "rabbitmq-stream-js-client";
import { cli } from "../../lib/cli.ts";
import { closeOnSignal } from "../../lib/shutdown.ts";
import { noStoredOffset } from "../../lib/errors.ts";
import {
  connectStream,
  givenStreamPort,
  STREAM_PORT_OPTION,
  streamClosed,
} from "../../lib/stream.ts";

const { brokers, values } = cli("stream:offset_tracking_receive", {
  summary:
    'Read the stream "stream-offset-tracking-javascript" up to the next marker, resuming after the stored offset (stream tutorial 2)',
  options: {
    stream: { default: "stream-offset-tracking-javascript", description: "stream name" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options));
closeOnSignal(client);

console.log("Making sure the stream exists...");
const streamName = values.stream;
await client.createStream({ stream: streamName, arguments: {} });

// The consumer must have a name: the broker stores its offset under it.
const consumerRef = "offset-tracking-tutorial";
let firstOffset: bigint | undefined = undefined;
let offsetSpecification = rabbit.Offset.first(); // the first run: from the first message
try {
  const offset = await client.queryOffset({ reference: consumerRef, stream: streamName });
  offsetSpecification = rabbit.Offset.offset(offset + 1n); // a later run: right after the stored one
} catch (error) {
  if (!noStoredOffset(error)) throw error; // nothing stored yet is the first run, not an error
}

let lastOffset = offsetSpecification.value;
let messageCount = 0;
const markerFound = Promise.withResolvers<void>();
// The first messages can arrive before declareConsumer returns: the handler waits for it.
const declared = Promise.withResolvers<Consumer>();
console.log("Start consuming..."); // printed first, for the same reason
const consumer = await client.declareConsumer({
  stream: streamName,
  offset: offsetSpecification,
  consumerRef,
  connectionClosedListener: () => streamClosed(streamName),
}, async (message) => {
  messageCount++;
  if (messageCount === 1) {
    firstOffset = message.offset;
    console.log("First message received");
  }
  if (messageCount % 10 === 0) {
    await (await declared.promise).storeOffset(message.offset!); // store the offset every 10 messages
  }
  if (message.content.toString() === "marker") {
    console.log("Marker found");
    lastOffset = message.offset;
    await (await declared.promise).storeOffset(message.offset!); // and at the marker
    await (await declared.promise).close();
    markerFound.resolve();
  }
});
declared.resolve(consumer);

await markerFound.promise;
console.log(`Done consuming, first offset was ${firstOffset}, last offset was ${lastOffset}`);
await client.close();
