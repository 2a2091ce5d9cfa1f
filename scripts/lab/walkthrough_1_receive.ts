/**
 * Lab 5, walk-through part 1: the consumer. Prints every message that
 * arrives on the queue "awesome_queue"; auto-ack: the broker forgets a
 * message as soon as it has delivered it. pika: `queue_declare`,
 * `basic_consume(queue="awesome_queue", auto_ack=True, ...)`, `start_consuming()`.
 *
 * Run:   deno task lab:1:receive   (and `deno task lab:1:send` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, values, vhost } = labCli("lab:1:receive", {
  summary: 'Print the messages of the queue "awesome_queue" (lab 5, part 1)',
  options: { queue: "awesome_queue" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const queue = values.queue;
  await channel.assertQueue(queue, { durable: false });

  console.log(usingLine(vhost, { queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  // noAck (pika's auto_ack=True): the broker forgets a message as soon as it is delivered.
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(`RECEIVED: ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
