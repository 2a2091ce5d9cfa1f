/**
 * The bare amqplib version of `deno task send`, for the bench: the same AMQP
 * work (declare the durable quorum queue "hello", publish 'Hello World!',
 * close the channel and the connection) and the same output line, without
 * lib/: the floor that Deno and amqplib set for a one-shot program.
 * COUNT messages instead of one (waiting for "drain" when amqplib's buffer is
 * full) and QUEUE_TYPE=classic make it the bench's publisher without confirms.
 *
 * Run:   QUEUE=name deno run --allow-net --allow-env --allow-read bench/peers/send.mjs
 *        COUNT=50000 QUEUE_TYPE=classic QUEUE=name deno run ... bench/peers/send.mjs
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const queue = process.env.QUEUE || "hello";
const count = Number(process.env.COUNT || 1);
const queueType = process.env.QUEUE_TYPE || "quorum";

const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createChannel();
await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": queueType } });
for (let i = 0; i < count; i++) {
  if (!channel.sendToQueue(queue, Buffer.from("Hello World!"))) {
    await new Promise((resolve) => channel.once("drain", resolve));
  }
  console.log(" [x] Sent 'Hello World!'");
}
await channel.close();
await connection.close();
