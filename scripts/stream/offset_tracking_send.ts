/**
 * Stream tutorial 2, offset tracking: the producer. Makes sure the stream
 * "stream-offset-tracking-javascript" exists, appends 100 messages to it,
 * the last one the body "marker", waits until the broker confirms them
 * all, and closes. Run it again for 100 more: a stream only grows.
 *
 * Run:   deno task stream:offset_tracking_send   (then `deno task stream:offset_tracking_receive`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { connectStream, givenStreamPort, STREAM_PORT_OPTION } from "../../lib/stream.ts";

const { brokers, values } = cli("stream:offset_tracking_send", {
  summary:
    'Append 100 messages, the last one "marker", to the stream "stream-offset-tracking-javascript" (stream tutorial 2)',
  options: {
    stream: { default: "stream-offset-tracking-javascript", description: "stream name" },
    count: { default: "100", description: "how many messages, the marker included" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const messageCount = wholeNumber("count", values.count, 1);
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options));

console.log("Making sure the stream exists...");
const streamName = values.stream;
// No retention arguments, as the official program declares it: the same stream for both.
await client.createStream({ stream: streamName, arguments: {} });

console.log("Creating the publisher...");
const publisher = await client.declarePublisher({ stream: streamName });
// The broker confirms each message once the stream has it; close only when it has them all.
let confirmedCount = 0;
const allConfirmed = Promise.withResolvers<void>();
publisher.on("publish_confirm", (error, publishingIds) => {
  if (error !== null) {
    allConfirmed.reject(
      new ProgramError(`The broker refused a message (stream error code ${error})`),
    );
  }
  confirmedCount += publishingIds.length;
  if (confirmedCount === messageCount) allConfirmed.resolve();
});

console.log(`Publishing ${messageCount} messages`);
for (let i = 0; i < messageCount; i++) {
  const body = i === messageCount - 1 ? "marker" : `hello ${i}`;
  await publisher.send(Buffer.from(body));
}
await allConfirmed.promise;

console.log("Closing the connection...");
await client.close();
console.log("done!");
