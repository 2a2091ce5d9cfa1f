/**
 * Stream tutorial 3, deduplication: the consumer. Reads the stream
 * "stream-deduplication-javascript" from the first message up to
 * "message 100", then says how many messages it read and whether any came
 * twice, was missing or out of order: after `stream:deduplication_send`,
 * stopped and run again as often as you like, none.
 *
 * Run:   deno task stream:deduplication_receive   (after `deno task stream:deduplication_send`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { closeOnSignal } from "../../lib/shutdown.ts";
import {
  connectStream,
  givenStreamPort,
  STREAM_PORT_OPTION,
  streamClosed,
} from "../../lib/stream.ts";

const { brokers, values } = cli("stream:deduplication_receive", {
  summary:
    'Read the stream "stream-deduplication-javascript" up to "message 100" and count the messages: each once? (stream tutorial 3)',
  options: {
    stream: { default: "stream-deduplication-javascript", description: "stream name" },
    count: { default: "100", description: "read up to the message of this number" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const lastNumber = wholeNumber("count", values.count, 1);
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options));
closeOnSignal(client);

console.log("Making sure the stream exists...");
const streamName = values.stream;
await client.createStream({ stream: streamName, arguments: {} });

const numbers: number[] = []; // the number of each message read, in the order read
const lastFound = Promise.withResolvers<void>();
console.log(`Reading up to message ${lastNumber}...`);
await client.declareConsumer({
  stream: streamName,
  offset: rabbit.Offset.first(),
  connectionClosedListener: () => streamClosed(streamName),
}, (message) => {
  const number = Number(message.content.toString().match(/^message (\d+)$/)?.[1]);
  if (numbers.at(-1) === lastNumber || Number.isNaN(number)) return; // past the end, or not ours
  numbers.push(number);
  if (number === lastNumber) lastFound.resolve();
});
await lastFound.promise;

const twice = numbers.filter((number, i) => numbers.indexOf(number) !== i);
const missing = Array.from({ length: lastNumber }, (_, i) => i + 1).filter((n) =>
  !numbers.includes(n)
);
const inOrder = numbers.every((number, i) => i === 0 || number > numbers[i - 1]);
const problems = [
  twice.length > 0 ? `twice: ${twice.join(", ")}` : "",
  missing.length > 0 ? `missing: ${missing.join(", ")}` : "",
  inOrder ? "" : "out of order",
].filter(Boolean);
console.log(
  problems.length === 0
    ? `Done: ${numbers.length} messages, message 1 to message ${lastNumber}, each once, in order`
    : `Done: ${numbers.length} messages up to message ${lastNumber}; ${problems.join("; ")}`,
);
await client.close();
