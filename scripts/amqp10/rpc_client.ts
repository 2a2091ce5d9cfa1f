/**
 * Tutorial 6 over AMQP 1.0, RPC: the client. Asks the server for fib(n): sends n to the queue
 * "rpc_queue" with a reply-to address and a random id (as message-id and correlation-id: servers
 * of either protocol match on one), then waits for the reply with that id. Gives up after
 * --timeout seconds when no server answers.
 *
 * What AMQP 1.0 changes: the reply address. On RabbitMQ 4.2 and later it is Direct Reply-To: a
 * receiver attached with a "dynamic" source, whose address the broker makes up
 * ("/queues/amq.rabbitmq.reply-to.…"), no queue at all. RabbitMQ 4.0 and 4.1 have no Direct
 * Reply-To for AMQP 1.0: there (or with --reply-queue) the replies go to an exclusive queue.
 *
 * Run:   deno task amqp10:rpc_client 30     (with `deno task amqp10:rpc_server`, or `deno task rpc_server`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea, { type Message } from "rhea";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { connectFirst } from "../../lib/connect.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { bodyText, close, connect, openSender, publish } from "../../lib/amqp10/connection.ts";
import { expectAccepted } from "../../lib/amqp10/errors.ts";
import { queueAddress } from "../../lib/amqp10/management.ts";
import { openReplies } from "../../lib/amqp10/replies.ts";

const { brokers, values, positionals } = cli("amqp10:rpc_client", {
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
const seconds = wholeNumber("timeout", values.timeout, 1);

const connection = await connectFirst(brokers, connect);
// The receiver for replies, and the address that says so in the request (lib/amqp10/replies.ts).
const replies = await openReplies(connection, { queue: values["reply-queue"] });
const correlationId = crypto.randomUUID();
const reply = Promise.withResolvers<Message>();
replies.receiver.on("message", ({ message }) => {
  if (String(message!.correlation_id) === correlationId) reply.resolve(message!); // else not ours
});
console.log(` [x] Requesting fib(${n})`);
const address = queueAddress(values.queue); // "/queues/rpc_queue": refused if nobody declared it
const sender = await openSender(connection, address);
const outcome = await publish(sender, {
  message_id: correlationId,
  correlation_id: correlationId,
  reply_to: replies.address,
  ttl: seconds * 1000, // nobody waits for the answer after that
  body: rhea.message.data_section(Buffer.from(n)),
});
expectAccepted(outcome, address);
const noServer =
  `No server answered on "${values.queue}" within ${seconds} s; start one with "deno task amqp10:rpc_server"`;
const timer = setTimeout(() => reply.reject(new ProgramError(noServer)), seconds * 1000);
const answer = await reply.promise;
clearTimeout(timer);
if (answer.message_annotations?.["x-basic-type"] === "error") {
  throw new ProgramError(`The server refused fib(${n}): ${bodyText(answer)}`);
}
console.log(` [.] Got ${bodyText(answer)}`);
await close(connection);
