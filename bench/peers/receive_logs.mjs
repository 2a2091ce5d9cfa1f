/**
 * The bare amqplib loop of `deno task receive_logs`'s job, for the bench: the
 * same AMQP work (the fanout exchange "logs", an exclusive server-named queue
 * bound to it, consumed with auto-ack) and the same output lines, without
 * lib/: the floor that amqplib sets. Runs on Deno and on Node.js.
 *
 * Run:   EXCHANGE=name deno run --allow-net --allow-env --allow-read bench/peers/receive_logs.mjs
 */
import amqp from "amqplib";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const exchange = process.env.EXCHANGE || "logs";

const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createChannel();
await channel.assertExchange(exchange, "fanout", { durable: false });
const { queue } = await channel.assertQueue("", { exclusive: true });
await channel.bindQueue(queue, exchange, "");

console.log(" [*] Waiting for logs. To exit press CTRL+C");
await channel.consume(queue, (msg) => {
  console.log(` [x] ${msg.content.toString()}`);
}, { noAck: true });

process.once("SIGINT", async () => {
  await connection.close();
  process.exit(0);
});
