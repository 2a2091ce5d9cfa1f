/**
 * Lab 5, task 1, variant 3: the consumer of an AUTO-DELETE queue named
 * <group>_<surname>. The broker deletes the queue when its last consumer
 * disconnects (stop this program and it is gone, with any messages in it).
 * A queue that never had a consumer is kept: messages sent before this
 * program starts wait for it. pika: `queue_declare(queue=name, auto_delete=True)`.
 *
 * Run:   deno task lab1:autodelete:receive --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, student, vhost } = studentCli("lab1:autodelete:receive", {
  summary:
    "Print the messages of your auto-delete queue <group>_<surname> (lab 5, task 1, variant 3)",
  consumer: true,
});
const queue = student; // <group>_<surname>

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  // Variant 3: autoDelete decides when the queue goes. durable only because RabbitMQ 4.3
  // refuses non-durable queues that are not exclusive by default; the producer agrees.
  await channel.assertQueue(queue, { autoDelete: true, durable: true });

  console.log(usingLine(vhost, { queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(`RECEIVED: ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
