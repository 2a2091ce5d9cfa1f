/**
 * The bare amqplib loop of `deno task worker`'s job, for the bench: the same
 * AMQP work (the durable quorum queue "task_queue", prefetch 1, manual ack
 * once the task is done, one second of work per ".") and the same output
 * lines, in plain JavaScript without lib/, the command line or reconnection:
 * the floor that amqplib sets. Runs on Deno and on Node.js. PREFETCH and
 * QUEUE_TYPE=classic make it the bench's consumer at other prefetch values.
 *
 * Run:   QUEUE=name deno run --allow-net --allow-env --allow-read bench/peers/worker.mjs
 *        PREFETCH=100 QUEUE_TYPE=classic QUEUE=name deno run ... bench/peers/worker.mjs
 */
import amqp from "amqplib";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const queue = process.env.QUEUE || "task_queue";
const prefetch = Number(process.env.PREFETCH || 1);
const queueType = process.env.QUEUE_TYPE || "quorum";

const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createChannel();
await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": queueType } });
await channel.prefetch(prefetch);

console.log(" [*] Waiting for messages. To exit press CTRL+C");
await channel.consume(queue, async (msg) => {
  const task = msg.content.toString();
  const seconds = task.split(".").length - 1;
  console.log(` [x] Received '${task}'`);
  if (seconds > 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  console.log(" [x] Done");
  channel.ack(msg);
}, { noAck: false });

process.once("SIGINT", async () => {
  await connection.close();
  process.exit(0);
});
