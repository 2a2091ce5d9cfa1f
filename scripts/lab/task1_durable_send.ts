/**
 * Lab 5, task 1, variant 2: the producer for a DURABLE queue named
 * <group>_<surname>. Declares the queue durable and sends the message
 * persistent, so both survive a broker restart; it says SENT only once the
 * broker has confirmed that it stored the message.
 *
 * Run:   deno task lab1:durable:send --group inbo-04 --surname laptev "Hello"
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { printSent, QUEUE_OPTION, STUDENT_OPTIONS, studentName } from "../../lib/lab.ts";

// What makes this variant: a durable queue (as the consumer declares it) and persistent messages.
const QUEUE_SETTINGS = { durable: true };
const PUBLISH_SETTINGS = { persistent: true };

const { url, values, positionals } = parseCli({
  name: "lab1:durable:send",
  summary: "Send a message to your durable queue <group>_<surname> (lab 5, task 1, variant 2)",
  args: "[message...]",
  options: { ...STUDENT_OPTIONS, ...QUEUE_OPTION },
});
const QUEUE = studentName(values);
const MESSAGE = positionals.join(" ") || "My first message";

const connection = await connect(url, { name: "lab1:durable:send" });
// A confirm channel: the broker says when it has stored the message (on disk, as it is persistent).
const channel = await connection.createConfirmChannel();

await channel.assertQueue(QUEUE, QUEUE_SETTINGS);
channel.sendToQueue(QUEUE, Buffer.from(MESSAGE), PUBLISH_SETTINGS);
await channel.waitForConfirms();
printSent(MESSAGE);

await channel.close();
await connection.close();
