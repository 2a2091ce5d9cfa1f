/**
 * Tutorial 1, "Hello World!": the consumer. Prints every message that
 * arrives on the queue "hello" until you press Ctrl+C.
 *
 * Run:   deno task receive         (and `deno task send` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";

const { brokers, values } = cli("receive", {
  summary: 'Print the messages of the queue "hello" (tutorial 1)',
  options: { queue: "hello" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const queue = values.queue;
  // Declared here too, the same way: whichever program starts first creates the queue.
  await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  // noAck: the broker forgets a message as soon as it is delivered.
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(` [x] Received '${msg.content.toString()}'`);
  }, { noAck: true });
  return connection;
});
