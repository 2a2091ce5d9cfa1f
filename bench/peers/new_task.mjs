/**
 * The bare amqplib version of `deno task new_task`, for the bench: the same
 * AMQP work (declare the durable quorum queue "task_queue", publish one
 * persistent task on a confirm channel and wait for its confirm, close) and
 * the same output line, without lib/.
 *
 * Run:   QUEUE=name deno run --allow-net --allow-env --allow-read bench/peers/new_task.mjs [task]
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const queue = process.env.QUEUE || "task_queue";
const msg = process.argv.slice(2).join(" ") || "Hello World!";

const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createConfirmChannel();
await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
channel.sendToQueue(queue, Buffer.from(msg), { persistent: true });
await channel.waitForConfirms();
console.log(` [x] Sent '${msg}'`);
await channel.close();
await connection.close();
