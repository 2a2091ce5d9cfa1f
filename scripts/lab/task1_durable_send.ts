/**
 * Lab 5, task 1, variant 2: the producer for a DURABLE queue named
 * <group>_<surname>. Declares the queue durable and sends the message
 * persistent, so both survive a broker restart; it says SENT only once the
 * broker has confirmed that it stored the message.
 *
 * Run:   deno task lab1:durable:send --group inbo-04 --surname laptev "Hello"
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, positionals, student, vhost } = studentCli("lab1:durable:send", {
  summary: "Send a message to your durable queue <group>_<surname> (lab 5, task 1, variant 2)",
  args: "[message...]",
});
const queue = student; // <group>_<surname>
const msg = positionals.join(" ") || "My first message";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// A confirm channel: the broker says when it has stored the message (on disk: it is persistent).
const channel = await connection.createConfirmChannel();

// Variant 2: a durable queue (pika: durable=True), as the consumer declares it, and a
// persistent message (pika: delivery_mode=2): both survive a broker restart.
await channel.assertQueue(queue, { durable: true });
console.log(usingLine(vhost, { queue }));
channel.sendToQueue(queue, Buffer.from(msg), { persistent: true });
await channel.waitForConfirms();
console.log(`SENT: ${msg}`);

await channel.close();
await connection.close();
