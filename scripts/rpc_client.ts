/**
 * Tutorial 6, RPC: the client. Asks the server for fib(n): publishes n to
 * the queue "rpc_queue" with a reply_to queue of its own (exclusive,
 * server-named) and a random correlation id, then waits for the reply with
 * that id. Gives up after --timeout seconds when no server answers.
 *
 * Run:   deno task rpc_client 30       (with `deno task rpc_server` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";

const { brokers, values, positionals } = cli("rpc_client", {
  summary: 'Ask the server on "rpc_queue" for the n-th Fibonacci number (tutorial 6)',
  args: "[n]",
  maxArgs: 1,
  options: {
    queue: "rpc_queue",
    timeout: { default: "10", description: "seconds to wait for the answer" },
  },
});
const arg = positionals[0] ?? "30";
if (!/^\d+$/.test(arg)) {
  throw new ProgramError(`Invalid n "${arg}": expected a whole number such as 30`, "usage");
}
const n = arg.replace(/^0+(?=\d)/, ""); // "007" asks for fib(7)
const timeoutSeconds = wholeNumber("timeout", values.timeout, 1);

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

// The reply queue: named by the broker, ours alone, deleted when we disconnect.
const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true });
const correlationId = crypto.randomUUID();

const reply = Promise.withResolvers<{ body: string; error: boolean }>();
await channel.consume(replyQueue, (msg) => {
  // A reply to another request (a late one, say) is not ours: ignore it.
  if (msg?.properties.correlationId !== correlationId) return;
  reply.resolve({ body: msg.content.toString(), error: msg.properties.type === "error" });
}, { noAck: true });
const timer = setTimeout(() => {
  const fix = 'start one with "deno task rpc_server"';
  reply.reject(
    new ProgramError(`No server answered on "${values.queue}" within ${timeoutSeconds} s; ${fix}`),
  );
}, timeoutSeconds * 1000);

console.log(` [x] Requesting fib(${n})`);
channel.sendToQueue(values.queue, Buffer.from(n), {
  replyTo: replyQueue,
  correlationId,
  // Nobody waits for the answer after the timeout, so the request may expire then too.
  expiration: String(timeoutSeconds * 1000),
});

const { body, error } = await reply.promise;
clearTimeout(timer);
if (error) throw new ProgramError(`The server refused fib(${n}): ${body}`);
console.log(` [.] Got ${body}`);

await channel.close();
await connection.close();
