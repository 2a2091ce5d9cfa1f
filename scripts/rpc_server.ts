/**
 * Tutorial 6, RPC: the server. Takes requests "n" from the queue "rpc_queue" one at a time
 * (prefetch 1) and publishes fib(n) to each request's reply_to with its correlation id, then
 * acks. A body that is not a whole number from 0 to 10,000 gets an error reply instead.
 *
 * Run:   deno task rpc_server          (and `deno task rpc_client 30` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";

const { brokers, values } = cli("rpc_server", {
  summary: 'Answer Fibonacci requests from the queue "rpc_queue" (tutorial 6)',
  options: { queue: "rpc_queue" },
  consumer: true,
});
const MAX_N = 10_000; // a larger n is refused
/** The n-th Fibonacci number, iteratively: fib(0) = 0, fib(1) = 1. BigInt keeps it exact. */
function fib(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();
  const queue = values.queue;
  await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
  await channel.prefetch(1); // one request at a time: with several servers, the next one free
  console.log(" [x] Awaiting RPC requests");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    const body = msg.content.toString();
    const n = Number(body);
    const type = /^\d+$/.test(body.trim()) && n <= MAX_N ? undefined : "error";
    const text = type ? `"${body}" is not a whole number from 0 to ${MAX_N}` : `${fib(n)}`;
    if (type) console.error(`Refused a request: ${text}`); // and the client gets the error reply
    else console.log(` [.] fib(${n})`);
    const { replyTo, correlationId } = msg.properties;
    if (replyTo) channel.sendToQueue(replyTo, Buffer.from(text), { correlationId, type });
    else console.error(`The request "${body}" has no reply_to queue, so its answer is dropped`);
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
