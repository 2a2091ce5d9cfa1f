/**
 * Tutorial 6, RPC: the client. Asks the server for fib(n): publishes n to "rpc_queue" with a
 * random correlation id and reply_to "amq.rabbitmq.reply-to" (Direct Reply-To: the reply comes
 * straight back to this channel, no reply queue), then waits --timeout seconds at most for it.
 *
 * Run:   deno task rpc_client 30       (with `deno task rpc_server` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp, { type ConsumeMessage } from "amqplib";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";
import { closeOnSignal } from "../lib/shutdown.ts";

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
const seconds = wholeNumber("timeout", values.timeout, 1);
const REPLY_TO = "amq.rabbitmq.reply-to"; // Direct Reply-To's pseudo-queue

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
closeOnSignal(connection); // Ctrl+C while waiting: close the connection and exit 0
const channel = await connection.createChannel();
const correlationId = crypto.randomUUID();
const reply = Promise.withResolvers<ConsumeMessage>();
// Consume from it (noAck is mandatory) before publishing with it as reply_to.
await channel.consume(REPLY_TO, (msg) => {
  if (msg?.properties.correlationId === correlationId) reply.resolve(msg); // else not ours
}, { noAck: true });
console.log(` [x] Requesting fib(${n})`);
const expiration = String(seconds * 1000); // nobody waits for the answer after that
channel.sendToQueue(values.queue, Buffer.from(n), { correlationId, replyTo: REPLY_TO, expiration });
const noServer =
  `No server answered on "${values.queue}" within ${seconds} s; start one with "deno task rpc_server"`;
const timer = setTimeout(() => reply.reject(new ProgramError(noServer)), seconds * 1000);
const { content, properties } = await reply.promise;
clearTimeout(timer);
if (properties.type === "error") throw new ProgramError(`The server refused fib(${n}): ${content}`);
console.log(` [.] Got ${content}`);
await connection.close();
