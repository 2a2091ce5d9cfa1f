/**
 * The bare amqplib loop of `deno task rpc_server`'s job, for the bench: the
 * same AMQP work (the durable quorum queue "rpc_queue", prefetch 1, a reply
 * to reply_to with the request's correlation id, then an ack) and the same
 * output lines, without lib/: the floor that amqplib sets. Runs on Deno and
 * on Node.js. QUEUE_TYPE=classic, and NODELAY=0 for amqplib's default
 * (Nagle's algorithm on), make it the server of the bench's RPC phases.
 *
 * Run:   QUEUE=name deno run --allow-net --allow-env --allow-read bench/peers/rpc_server.mjs
 *        NODELAY=0 QUEUE_TYPE=classic QUEUE=name deno run ... bench/peers/rpc_server.mjs
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const queue = process.env.QUEUE || "rpc_queue";
const noDelay = process.env.NODELAY !== "0";
const queueType = process.env.QUEUE_TYPE || "quorum";

function fib(n) {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

const connection = await amqp.connect(url, { noDelay });
const channel = await connection.createChannel();
await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": queueType } });
await channel.prefetch(1);

console.log(" [x] Awaiting RPC requests");
await channel.consume(queue, (msg) => {
  const n = Number(msg.content.toString());
  console.log(` [.] fib(${n})`);
  channel.sendToQueue(msg.properties.replyTo, Buffer.from(String(fib(n))), {
    correlationId: msg.properties.correlationId,
  });
  channel.ack(msg);
}, { noAck: false });

process.once("SIGINT", async () => {
  await connection.close();
  process.exit(0);
});
