/**
 * Stream tutorial 3, deduplication: the producer. A publisher with a name,
 * "deduplication-tutorial", sends "message 1" to "message 100" to the
 * stream "stream-deduplication-javascript", one every 100 ms, each with its
 * number as publishing id. For a named publisher the broker keeps the
 * highest publishing id it has stored, and drops a message whose id is not
 * higher. Stop it mid-way (Ctrl+C, or kill it) and run it again: it asks
 * the broker for that id and sends on from the next message, and a message
 * it sends again is dropped: the stream holds each message once.
 *
 * Run:   deno task stream:deduplication_send   (then `deno task stream:deduplication_receive`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { Buffer } from "node:buffer";
import { setTimeout as delay } from "node:timers/promises";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { closeOnSignal } from "../../lib/shutdown.ts";
import { connectStream, givenStreamPort, STREAM_PORT_OPTION } from "../../lib/stream.ts";

const { brokers, values } = cli("stream:deduplication_send", {
  summary:
    'Send "message 1" to "message 100" to the stream "stream-deduplication-javascript" with publishing ids: stopped and run again, it sends each once (stream tutorial 3)',
  options: {
    stream: { default: "stream-deduplication-javascript", description: "stream name" },
    count: { default: "100", description: "how many messages in all" },
    interval: {
      default: "100",
      description: "milliseconds between two messages, time to stop it mid-way",
    },
    from: {
      description:
        "send from this message on, even those the broker has (default: after its last publishing id)",
    },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const messageCount = wholeNumber("count", values.count, 1);
const interval = wholeNumber("interval", values.interval);
const from = values.from === undefined ? undefined : wholeNumber("from", values.from, 1);
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(brokers, port, (options) => rabbit.connect(options));
closeOnSignal(client);

console.log("Making sure the stream exists...");
const streamName = values.stream;
await client.createStream({ stream: streamName, arguments: {} });

// A name turns deduplication on: the broker tracks the publishing ids of the publisher of that name.
const publisherRef = "deduplication-tutorial";
console.log(`Creating the publisher "${publisherRef}"...`);
const publisher = await client.declarePublisher({ stream: streamName, publisherRef });
// The highest publishing id the broker has stored for this name; 0 if none.
const lastId = await publisher.getLastPublishingId();
console.log(`The broker's last publishing id for "${publisherRef}": ${lastId}`);

const first = from ?? Number(lastId) + 1;
if (from === undefined && first > messageCount) {
  console.log(`Nothing to send: the broker has all ${messageCount}`);
}
for (let id = first; id <= messageCount; id++) {
  // Message N always has publishing id N: sent again, it is dropped.
  await publisher.send(Buffer.from(`message ${id}`), { publishingId: BigInt(id) });
  console.log(` [x] Sent message ${id}`);
  await delay(interval);
}
// The broker confirms the messages it drops as well: it has them.
await client.confirmed(Math.max(0, messageCount - first + 1));

console.log("Closing the connection...");
await client.close();
console.log("done!");
