/**
 * Tutorial 1, "Hello World!": the consumer. Prints every message that
 * arrives on the queue "hello" until you press Ctrl+C.
 *
 * Run:   deno task receive         (and `deno task send` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../lib/config.ts";
import { queueDeleted, startConsumer } from "../lib/consumer.ts";

const { url, reconnect, values } = parseCli({
  name: "receive",
  summary: 'Print the messages of the queue "hello" (tutorial 1)',
  maxArgs: 0,
  consumer: true,
  options: {
    queue: { type: "string", default: "hello", description: "queue to receive from" },
  },
});
const QUEUE = values.queue;

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "receive", reconnect }, async (channel) => {
  // Declared here too, the same way: whichever program starts first creates the queue.
  await channel.assertQueue(QUEUE, { durable: true, arguments: { "x-queue-type": "quorum" } });

  // noAck: the broker forgets a message as soon as it is delivered.
  await channel.consume(QUEUE, (msg) => {
    if (!msg) return queueDeleted(QUEUE); // deleted while we consume
    console.log(` [x] Received '${msg.content.toString()}'`);
  }, { noAck: true });
});
console.log(" [*] Waiting for messages. To exit press CTRL+C");
