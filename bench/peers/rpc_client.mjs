/**
 * The bare amqplib version of `deno task rpc_client`, for the bench: the same
 * AMQP work (consume Direct Reply-To's pseudo-queue "amq.rabbitmq.reply-to"
 * with auto-ack, then a request n to "rpc_queue" with it as reply_to and a
 * random correlation id, the reply with that id, close) and the same output
 * lines, without lib/.
 *
 * Run:   QUEUE=name deno run --allow-net --allow-env --allow-read bench/peers/rpc_client.mjs [n]
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const queue = process.env.QUEUE || "rpc_queue";
const n = process.argv[2] ?? "30";
const REPLY_TO = "amq.rabbitmq.reply-to";

const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createChannel();
const correlationId = crypto.randomUUID();

let answered;
const reply = new Promise((resolve) => answered = resolve);
// Consumed (noAck is mandatory) before a request names it as reply_to.
await channel.consume(REPLY_TO, (msg) => {
  if (msg.properties.correlationId === correlationId) answered(msg.content.toString());
}, { noAck: true });
console.log(` [x] Requesting fib(${n})`);
channel.sendToQueue(queue, Buffer.from(n), { replyTo: REPLY_TO, correlationId });
console.log(` [.] Got ${await reply}`);
await channel.close();
await connection.close();
