/**
 * Stream tutorial 6, filtering: the consumer. Reads the orders of one
 * region (emea; --region) from the stream "stream-filtering-javascript",
 * from the first, and asks the broker for that region only: the broker
 * checks each chunk's Bloom filter and sends only the chunks that may hold
 * it. Such a chunk can hold other regions' orders as well (the filter is
 * per chunk, not per message, and a Bloom filter can be wrong), so the
 * client checks each message again: post-filtering. After each chunk it
 * says how many messages came and how many were for the region. With
 * --no-filter the broker sends everything and only the client filters, to
 * compare.
 *
 * Run:   deno task stream:filtering_receive   (after `deno task stream:filtering_send`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { cli } from "../../lib/cli.ts";
import { closeOnSignal } from "../../lib/shutdown.ts";
import {
  connectStream,
  eachChunk,
  FILTERING,
  givenStreamPort,
  STREAM_PORT_OPTION,
  streamClosed,
  type StreamMessage,
} from "../../lib/stream.ts";

const { brokers, values } = cli("stream:filtering_receive", {
  summary:
    'Read the orders of one region from the stream "stream-filtering-javascript", filtered by the broker, then by the client (stream tutorial 6)',
  options: {
    stream: { default: "stream-filtering-javascript", description: "stream name" },
    region: { default: "emea", description: "the region to read: emea, amer or apac" },
    "no-filter": {
      type: "boolean",
      description: "no filter on the broker: it sends every chunk, the client filters",
    },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port
const region = values.region;

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options), FILTERING);
closeOnSignal(client);

console.log("Making sure the stream exists...");
const streamName = values.stream;
await client.createStream({ stream: streamName, arguments: {} });

// What came from the broker, and what was for the region: in the current chunk, and in all.
const chunk = { messages: 0, kept: 0 };
const all = { chunks: 0, messages: 0, kept: 0 };
function forRegion(message: StreamMessage): boolean {
  const kept = message.applicationProperties?.region === region;
  chunk.messages++;
  if (kept) chunk.kept++;
  return kept;
}

const by = values["no-filter"] ? "the client only" : "the broker, then the client";
console.log(` [*] Waiting for the orders of ${region}, filtered by ${by}. To exit press CTRL+C`);
await client.declareConsumer({
  stream: streamName,
  offset: rabbit.Offset.first(),
  // The broker sends the chunks whose Bloom filter may hold the region; the client checks each
  // of their messages again (postFilterFunc), and passes on those for the region.
  filter: values["no-filter"]
    ? undefined
    : { values: [region], postFilterFunc: forRegion, matchUnfiltered: false },
  // Called once the messages of each chunk are handled.
  creditPolicy: eachChunk(() => {
    all.chunks++;
    all.messages += chunk.messages;
    all.kept += chunk.kept;
    console.log(
      ` [.] Chunk ${all.chunks}: ${chunk.messages} messages, ${chunk.kept} for ${region}; in all: ${all.messages} messages, ${all.kept} for ${region}`,
    );
    chunk.messages = chunk.kept = 0;
  }),
  connectionClosedListener: () => streamClosed(streamName),
}, (message) => {
  if (values["no-filter"] && !forRegion(message)) return; // without a filter, the client filters
  console.log(` [x] Received ${message.content.toString()} (${region})`);
});
