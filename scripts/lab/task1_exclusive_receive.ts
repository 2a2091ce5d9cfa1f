/**
 * Lab 5, task 1, variant 1: the consumer of an EXCLUSIVE queue named
 * <group>_<surname>. Only this program's connection may use the queue, and
 * the broker deletes it when this program stops: a second consumer is
 * refused, and a producer cannot declare it (see task1_exclusive_send.ts).
 * pika: `queue_declare(queue=name, exclusive=True)`.
 *
 * Run:   deno task lab1:exclusive:receive --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";
import { checkNameFree } from "../../lib/lab/exclusive.ts";

const { brokers, student, vhost } = studentCli("lab1:exclusive:receive", {
  summary:
    "Print the messages of your exclusive queue <group>_<surname> (lab 5, task 1, variant 1)",
  consumer: true,
});
const queue = student; // <group>_<surname>

// Runs again, with the next broker of the list, whenever the connection drops: the old
// queue went with the old connection, so it declares a new one.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  // Is the name taken: by another program's exclusive queue, or by a leftover queue?
  await checkNameFree(connection, queue);
  // Variant 1: exclusive: this connection alone may use the queue; it goes when we stop.
  await channel.assertQueue(queue, { exclusive: true, durable: false });

  console.log(usingLine(vhost, { queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(`RECEIVED: ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
