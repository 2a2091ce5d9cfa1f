/**
 * Stream tutorial 4, single active consumer: the producer. Appends 10
 * numbered messages to the stream "stream-sac-javascript", numbered on from
 * the last run: its publisher has a name, so the broker keeps its last
 * publishing id (tutorial 3) and the client numbers on from it.
 *
 * Run:   deno task stream:single_active_consumer_send   (after starting the receivers)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { connectStream, givenStreamPort, STREAM_PORT_OPTION } from "../../lib/stream.ts";

const { brokers, values } = cli("stream:single_active_consumer_send", {
  summary: 'Append 10 numbered messages to the stream "stream-sac-javascript" (stream tutorial 4)',
  options: {
    stream: { default: "stream-sac-javascript", description: "stream name" },
    count: { default: "10", description: "how many messages" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const messageCount = wholeNumber("count", values.count, 1);
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options));

console.log("Making sure the stream exists...");
const streamName = values.stream;
await client.createStream({ stream: streamName, arguments: {} });

console.log("Creating the publisher...");
const publisher = await client.declarePublisher({
  stream: streamName,
  publisherRef: "sac-tutorial-sender",
});
// The client gives each message the next publishing id after this one: its number.
const last = Number(await publisher.getLastPublishingId());

console.log(`Publishing message ${last + 1} to message ${last + messageCount}`);
for (let number = last + 1; number <= last + messageCount; number++) {
  await publisher.send(Buffer.from(`message ${number}`));
}
await client.confirmed(messageCount);

console.log("Closing the connection...");
await client.close();
console.log("done!");
