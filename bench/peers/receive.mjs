/**
 * The bare amqplib loop of `deno task receive`'s job, for the bench: the same
 * AMQP work (the durable quorum queue "hello", consumed with auto-ack) and the
 * same output lines, without lib/: the floor that amqplib sets. Runs on Deno
 * and on Node.js.
 *
 * Run:   QUEUE=name deno run --allow-net --allow-env --allow-read bench/peers/receive.mjs
 */
import amqp from "amqplib";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const queue = process.env.QUEUE || "hello";

const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createChannel();
await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });

console.log(" [*] Waiting for messages. To exit press CTRL+C");
await channel.consume(queue, (msg) => {
  console.log(` [x] Received '${msg.content.toString()}'`);
}, { noAck: true });

process.once("SIGINT", async () => {
  await connection.close();
  process.exit(0);
});
