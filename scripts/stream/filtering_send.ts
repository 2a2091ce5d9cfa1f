/**
 * Stream tutorial 6, filtering: the producer. Appends 100 orders from three
 * regions (emea, amer, apac) to the stream "stream-filtering-javascript",
 * each with its region as filter value: the broker writes into each chunk
 * (the batch of messages it stores and sends together) a Bloom filter of the
 * filter values in it. It sends 9 batches of 10 orders of one region, waiting
 * for each batch's confirms so that each becomes a chunk of its own, then a
 * batch of 10 orders of all three regions: one chunk that holds all three.
 *
 * Run:   deno task stream:filtering_send   (then `deno task stream:filtering_receive`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { Buffer } from "node:buffer";
import { cli } from "../../lib/cli.ts";
import { connectStream, FILTERING, givenStreamPort, STREAM_PORT_OPTION } from "../../lib/stream.ts";

const { brokers, values } = cli("stream:filtering_send", {
  summary:
    'Append 100 orders of three regions to the stream "stream-filtering-javascript", the region as filter value (stream tutorial 6)',
  options: {
    stream: { default: "stream-filtering-javascript", description: "stream name" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port
const REGIONS = ["emea", "amer", "apac"];
const BATCH_SIZE = 10;

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options), FILTERING);

console.log("Making sure the stream exists...");
const streamName = values.stream;
await client.createStream({ stream: streamName, arguments: {} });

console.log("Creating the publisher...");
// The filter value of a message: its region.
const publisher = await client.declarePublisher(
  { stream: streamName },
  (message) => String(message.applicationProperties?.region),
);

let sent = 0;
async function sendOrder(region: string) {
  sent++;
  await publisher.send(Buffer.from(`order ${sent}`), { applicationProperties: { region } });
}

console.log(`Publishing 9 batches of ${BATCH_SIZE} orders, each batch of one region`);
for (let round = 0; round < 3; round++) {
  for (const region of REGIONS) {
    for (let i = 0; i < BATCH_SIZE; i++) await sendOrder(region);
    // The broker writes what arrives together as one chunk: waiting makes each batch a chunk.
    await client.confirmed(sent);
  }
}
console.log(`Publishing a batch of ${BATCH_SIZE} orders of all three regions`);
for (let i = 0; i < BATCH_SIZE; i++) await sendOrder(REGIONS[i % REGIONS.length]);
await client.confirmed(sent);

console.log("Closing the connection...");
await client.close();
console.log("done!");
