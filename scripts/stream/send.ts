/**
 * Stream tutorial 1, "Hello World!": the producer. Makes sure the stream
 * "hello-nodejs-stream" exists (at most 5 GB), appends one message to it,
 * waits until the broker confirms it, and closes. Unlike a queue, a stream
 * keeps its messages after they are read: every reader can read them again.
 *
 * Run:   deno task stream:send     (and `deno task stream:receive` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { Buffer } from "node:buffer";
import { cli } from "../../lib/cli.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { connectStream, givenStreamPort, STREAM_PORT_OPTION } from "../../lib/stream.ts";

const { brokers, values } = cli("stream:send", {
  summary: 'Append one message to the stream "hello-nodejs-stream" (stream tutorial 1)',
  options: {
    stream: { default: "hello-nodejs-stream", description: "stream name" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
// Host, user, password and vhost come from the AMQP URL; the stream protocol has its own port.
const client = await connectStream(brokers, port, (options) => rabbit.connect(options));

console.log("Making sure the stream exists...");
const streamName = values.stream;
// Declaring is idempotent. A stream keeps its messages until its retention limit: 5 GB here.
const streamSizeRetention = 5 * 1e9;
await client.createStream({
  stream: streamName,
  arguments: { "max-length-bytes": streamSizeRetention },
});

console.log("Creating the publisher...");
const publisher = await client.declarePublisher({ stream: streamName });
// The broker confirms a message once the stream has it.
const confirmed = new Promise<void>((resolve, reject) =>
  publisher.on(
    "publish_confirm",
    (error) =>
      error === null
        ? resolve()
        : reject(new ProgramError(`The broker refused the message (stream error code ${error})`)),
  )
);

console.log("Sending a message...");
await publisher.send(Buffer.from("Test message"));
await confirmed;

console.log("Closing the connection...");
await client.close();
console.log("done!");
