/**
 * Stream tutorial 1, "Hello World!": the consumer. Makes sure the stream
 * "hello-nodejs-stream" exists, then prints every message in it from the
 * first one on, and every new one, until you press Ctrl+C. Run it twice:
 * both read everything, for reading does not take messages out of a stream.
 *
 * Run:   deno task stream:receive  (and `deno task stream:send` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { cli } from "../../lib/cli.ts";
import { closeOnSignal } from "../../lib/shutdown.ts";
import {
  connectStream,
  givenStreamPort,
  STREAM_PORT_OPTION,
  streamClosed,
} from "../../lib/stream.ts";

const { brokers, values } = cli("stream:receive", {
  summary:
    'Print the messages of the stream "hello-nodejs-stream", from the first (stream tutorial 1)',
  options: {
    stream: { default: "hello-nodejs-stream", description: "stream name" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options));
closeOnSignal(client);

console.log("Making sure the stream exists...");
const streamName = values.stream;
// Declared here too, the same way: whichever program starts first creates the stream.
const streamSizeRetention = 5 * 1e9;
await client.createStream({
  stream: streamName,
  arguments: { "max-length-bytes": streamSizeRetention },
});

console.log("Declaring the consumer with offset...");
// Printed first: the stored messages can arrive before declareConsumer returns.
console.log(" [*] Waiting for messages. To exit press CTRL+C");
// Offset.first(): from the first message the stream still has, however old.
await client.declareConsumer({
  stream: streamName,
  offset: rabbit.Offset.first(),
  connectionClosedListener: () => streamClosed(streamName),
}, (message) => {
  console.log(`Received message ${message.content.toString()}`);
});
