/**
 * Tutorial 6, RPC: the server. Takes requests "n" from the queue
 * "rpc_queue" one at a time (prefetch 1), computes the n-th Fibonacci
 * number, and publishes it to the request's reply_to queue with the
 * request's correlation id, then acks. A body that is not a whole number
 * from 0 to 10,000 gets an error reply (message type "error") instead.
 *
 * Run:   deno task rpc_server          (and `deno task rpc_client 30` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../lib/config.ts";
import { queueDeleted, startConsumer } from "../lib/consumer.ts";

const { url, reconnect, values } = parseCli({
  name: "rpc_server",
  summary: 'Answer Fibonacci requests from the queue "rpc_queue" (tutorial 6)',
  maxArgs: 0,
  consumer: true,
  options: {
    queue: { type: "string", default: "rpc_queue", description: "queue to take requests from" },
  },
});
const QUEUE = values.queue;
const MAX_N = 10_000;

/** The n-th Fibonacci number, iteratively: fib(0) = 0, fib(1) = 1. BigInt keeps it exact. */
function fib(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "rpc_server", reconnect }, async (channel) => {
  // A durable quorum queue, as in the official tutorials.
  await channel.assertQueue(QUEUE, { durable: true, arguments: { "x-queue-type": "quorum" } });
  // One request at a time: with several servers, each takes the next request when free.
  await channel.prefetch(1);
  await channel.consume(QUEUE, (msg) => {
    if (!msg) return queueDeleted(QUEUE); // deleted while we consume
    const body = msg.content.toString();
    const { replyTo, correlationId } = msg.properties;
    let answer: string;
    let type: string | undefined;
    if (/^\d+$/.test(body.trim()) && Number(body) <= MAX_N) {
      const n = Number(body);
      console.log(` [.] fib(${n})`);
      answer = String(fib(n));
    } else {
      answer = `"${body}" is not a whole number from 0 to ${MAX_N}`;
      type = "error";
      console.error(`Refused a request: ${answer}`);
    }
    if (replyTo) {
      channel.sendToQueue(replyTo, Buffer.from(answer), { correlationId, type });
    } else {
      console.error(`The request "${body}" has no reply_to queue, so its answer is dropped`);
    }
    channel.ack(msg);
  }, { noAck: false });
});
console.log(" [x] Awaiting RPC requests");
