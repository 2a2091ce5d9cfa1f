/**
 * Lab 5, task 1, variant 3: the producer for an AUTO-DELETE queue named
 * <group>_<surname>. Declares the queue with the consumer's settings: a
 * queue that never had a consumer is not deleted, so the message waits for
 * the consumer; once the last consumer disconnects, the queue is gone.
 *
 * Run:   deno task lab1:autodelete:send --group inbo-04 --surname laptev "Hello"
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, positionals, student, vhost } = studentCli("lab1:autodelete:send", {
  summary: "Send a message to your auto-delete queue <group>_<surname> (lab 5, task 1, variant 3)",
  args: "[message...]",
});
const queue = student; // <group>_<surname>
const msg = positionals.join(" ") || "My first message";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// A confirm channel: the broker says when it has the message.
const channel = await connection.createConfirmChannel();

// Variant 3: declared exactly as the consumer declares it (pika: auto_delete=True; durable
// only because RabbitMQ 4.3 refuses non-durable queues that are not exclusive by default).
await channel.assertQueue(queue, { autoDelete: true, durable: true });
console.log(usingLine(vhost, { queue }));
channel.sendToQueue(queue, Buffer.from(msg));
await channel.waitForConfirms();
console.log(`SENT: ${msg}`);

await channel.close();
await connection.close();
