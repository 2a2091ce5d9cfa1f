/**
 * Lab 5, task 1, variant 2: the consumer of a DURABLE queue named
 * <group>_<surname>. The queue and the persistent messages in it survive a
 * broker restart: messages sent while this program was not running wait for
 * it, even if the broker restarted in between. pika: `queue_declare(queue=name, durable=True)`.
 *
 * Run:   deno task lab1:durable:receive --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, student, vhost } = studentCli("lab1:durable:receive", {
  summary: "Print the messages of your durable queue <group>_<surname> (lab 5, task 1, variant 2)",
  consumer: true,
});
const queue = student; // <group>_<surname>

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  // Variant 2: durable: the queue survives a broker restart (the producer declares it alike).
  await channel.assertQueue(queue, { durable: true });

  console.log(usingLine(vhost, { queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(`RECEIVED: ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
