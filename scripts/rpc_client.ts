/**
 * Tutorial 6, RPC: the client. Asks the server for fib(n): publishes n to
 * the queue "rpc_queue" with a reply_to queue of its own (exclusive,
 * server-named) and a random correlation id, then waits for the reply with
 * that id. Gives up after --timeout seconds when no server answers.
 *
 * Run:   deno task rpc_client 30       (with `deno task rpc_server` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { intOption, parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";
import { fail } from "../lib/errors.ts";

const { url, values, positionals } = parseCli({
  name: "rpc_client",
  summary: 'Ask the server on "rpc_queue" for the n-th Fibonacci number (tutorial 6)',
  args: "[n]",
  maxArgs: 1,
  options: {
    queue: { type: "string", default: "rpc_queue", description: "queue the server listens on" },
    timeout: { type: "string", default: "10", description: "seconds to wait for the answer" },
  },
});
const QUEUE = values.queue;
const ARG = positionals[0] ?? "30";
if (!/^\d+$/.test(ARG)) fail(`Invalid n "${ARG}": expected a whole number such as 30`, 2);
const N = ARG.replace(/^0+(?=\d)/, ""); // "007" asks for fib(7)
const TIMEOUT_SECONDS = intOption("timeout", values.timeout, 1);

const connection = await connect(url, { name: "rpc_client" });
const channel = await connection.createChannel();

// The reply queue: named by the broker, ours alone, deleted when we disconnect.
const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true });
const correlationId = crypto.randomUUID();

const answer = Promise.withResolvers<{ body: string; error: boolean }>();
await channel.consume(replyQueue, (msg) => {
  // A reply to another request (a late one, say) is not ours: ignore it.
  if (msg?.properties.correlationId !== correlationId) return;
  answer.resolve({ body: msg.content.toString(), error: msg.properties.type === "error" });
}, { noAck: true });
const timer = setTimeout(() => {
  fail(
    `No server answered on "${QUEUE}" within ${TIMEOUT_SECONDS} s; start one with "deno task rpc_server"`,
  );
}, TIMEOUT_SECONDS * 1000);

console.log(` [x] Requesting fib(${N})`);
channel.sendToQueue(QUEUE, Buffer.from(N), {
  replyTo: replyQueue,
  correlationId,
  // Nobody waits for the answer after the timeout, so the request may expire then too.
  expiration: String(TIMEOUT_SECONDS * 1000),
});

const { body, error } = await answer.promise;
clearTimeout(timer);
if (error) fail(`The server refused fib(${N}): ${body}`);
console.log(` [.] Got ${body}`);

await channel.close();
await connection.close();
