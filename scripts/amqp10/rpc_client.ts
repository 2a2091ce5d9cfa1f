/**
 * Tutorial 6 over AMQP 1.0, RPC: the client. Asks the server for fib(n):
 * sends n to the queue "rpc_queue" with a reply-to address of its own and a
 * random id (as message-id and correlation-id), then waits for the reply
 * with that id. Gives up after --timeout seconds when no server answers.
 *
 * What AMQP 1.0 changes: the reply address. On RabbitMQ 4.2 and later it is
 * Direct Reply-To: a receiver attached with a "dynamic" source, whose address
 * the broker makes up ("/queues/amq.rabbitmq.reply-to.…"), no queue at all.
 * RabbitMQ 4.0 and 4.1 have no Direct Reply-To for AMQP 1.0: there (or with
 * --reply-queue) the replies go to an exclusive queue of its own.
 *
 * Run:   deno task amqp10:rpc_client 30     (with `deno task amqp10:rpc_server`, or `deno task rpc_server`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea from "rhea";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { connectFirst } from "../../lib/connect.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { bodyText, close, connect, openSender, publish } from "../../lib/amqp10/connection.ts";
import { expectAccepted } from "../../lib/amqp10/errors.ts";
import { queueAddress } from "../../lib/amqp10/management.ts";
import { openReplies } from "../../lib/amqp10/replies.ts";

const { urls, values, positionals } = cli("amqp10:rpc_client", {
  summary:
    'Ask the server on "rpc_queue" for the n-th Fibonacci number over AMQP 1.0 (tutorial 6, RabbitMQ 4)',
  args: "[n]",
  maxArgs: 1,
  options: {
    queue: "rpc_queue",
    timeout: { default: "10", description: "seconds to wait for the answer" },
    "reply-queue": {
      type: "boolean",
      description:
        "reply to an exclusive queue instead of Direct Reply-To (as RabbitMQ 4.0 and 4.1 need)",
    },
  },
});
const arg = positionals[0] ?? "30";
if (!/^\d+$/.test(arg)) {
  throw new ProgramError(`Invalid n "${arg}": expected a whole number such as 30`, "usage");
}
const n = arg.replace(/^0+(?=\d)/, ""); // "007" asks for fib(7)
const timeoutSeconds = wholeNumber("timeout", values.timeout, 1);

const connection = await connectFirst(urls, connect);

// Where the replies come back, and the address that says so in each request.
const { receiver, address: replyTo } = await openReplies(connection, {
  queue: values["reply-queue"],
});
const correlationId = crypto.randomUUID();

const reply = Promise.withResolvers<{ body: string; error: boolean }>();
receiver.on("message", ({ message }) => {
  // A reply to another request (a late one, say) is not ours: ignore it.
  if (String(message!.correlation_id) !== correlationId) return;
  const error = message!.message_annotations?.["x-basic-type"] === "error";
  reply.resolve({ body: bodyText(message!), error });
});
const timer = setTimeout(() => {
  const fix = 'start one with "deno task amqp10:rpc_server"';
  reply.reject(
    new ProgramError(`No server answered on "${values.queue}" within ${timeoutSeconds} s; ${fix}`),
  );
}, timeoutSeconds * 1000);

console.log(` [x] Requesting fib(${n})`);
const address = queueAddress(values.queue); // "/queues/rpc_queue": refused if no server declared it
const sender = await openSender(connection, address);
const outcome = await publish(sender, {
  message_id: correlationId,
  correlation_id: correlationId, // what an AMQP 0-9-1 server copies into its reply
  reply_to: replyTo,
  ttl: timeoutSeconds * 1000, // nobody waits for the answer after the timeout
  body: rhea.message.data_section(Buffer.from(n)),
});
expectAccepted(outcome, address);

const { body, error } = await reply.promise;
clearTimeout(timer);
if (error) throw new ProgramError(`The server refused fib(${n}): ${body}`);
console.log(` [.] Got ${body}`);

await close(connection);
