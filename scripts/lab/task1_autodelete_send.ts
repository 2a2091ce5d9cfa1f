/**
 * Lab 5, task 1, variant 3: the producer for an AUTO-DELETE queue named
 * <group>_<surname>. Declares the queue with the consumer's settings: a
 * queue that never had a consumer is not deleted, so the message waits for
 * the consumer; once the last consumer disconnects, the queue is gone.
 *
 * Run:   deno task lab1:autodelete:send --group inbo-04 --surname laptev "Hello"
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { printSent, QUEUE_OPTION, STUDENT_OPTIONS, studentName } from "../../lib/lab.ts";

// What makes this variant: autoDelete, declared exactly as the consumer declares it
// (durable only because RabbitMQ 4.3 refuses non-durable non-exclusive queues by default).
const QUEUE_SETTINGS = { autoDelete: true, durable: true };

const { url, values, positionals } = parseCli({
  name: "lab1:autodelete:send",
  summary: "Send a message to your auto-delete queue <group>_<surname> (lab 5, task 1, variant 3)",
  args: "[message...]",
  options: { ...STUDENT_OPTIONS, ...QUEUE_OPTION },
});
const QUEUE = studentName(values);
const MESSAGE = positionals.join(" ") || "My first message";

const connection = await connect(url, { name: "lab1:autodelete:send" });
// A confirm channel: the broker says when it has the message.
const channel = await connection.createConfirmChannel();

await channel.assertQueue(QUEUE, QUEUE_SETTINGS);
channel.sendToQueue(QUEUE, Buffer.from(MESSAGE));
await channel.waitForConfirms();
printSent(MESSAGE);

await channel.close();
await connection.close();
