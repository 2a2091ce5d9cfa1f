/**
 * Tutorial 6 over AMQP 1.0, RPC: the server. Takes requests "n" from the queue "rpc_queue" one
 * at a time (one credit) and sends fib(n) to each request's reply-to address with its
 * correlation id (its message-id when it has none), then accepts it. A body that is not a whole
 * number from 0 to 10,000 gets an error reply instead (annotated x-basic-type "error": an AMQP
 * 0-9-1 client's message type). It answers AMQP 1.0 and AMQP 0-9-1 clients alike.
 *
 * What AMQP 1.0 changes: the replies go out on one sender attached to no address (the anonymous
 * terminus); each reply's `to` is its request's reply-to, "/queues/amq.rabbitmq.reply-to.…" for
 * a client using Direct Reply-To over either protocol.
 *
 * Run:   deno task amqp10:rpc_server     (and `deno task amqp10:rpc_client 30`, or `deno task rpc_client 30`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea from "rhea";
import { Buffer } from "node:buffer";
import { cli } from "../../lib/cli.ts";
import {
  bodyText,
  connect,
  openReceiver,
  openSender,
  publish,
} from "../../lib/amqp10/connection.ts";
import { openManagement, queueAddress } from "../../lib/amqp10/management.ts";
import { keepReceiving } from "../../lib/amqp10/receiver.ts";

const { brokers, values } = cli("amqp10:rpc_server", {
  summary:
    'Answer Fibonacci requests from the queue "rpc_queue" over AMQP 1.0 (tutorial 6, RabbitMQ 4)',
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
await keepReceiving(brokers, async (url) => {
  const connection = await connect(url);
  const queue = values.queue;
  const management = await openManagement(connection);
  await management.declareQueue(queue, { type: "quorum" });
  const replies = await openSender(connection, null); // the anonymous terminus: each reply's `to`
  console.log(" [x] Awaiting RPC requests");
  const receiver = await openReceiver(connection, queueAddress(queue));
  receiver.on("message", async ({ message: request, delivery }) => {
    const body = bodyText(request!);
    const n = Number(body);
    const error = !/^\d+$/.test(body.trim()) || n > MAX_N;
    const text = error ? `"${body}" is not a whole number from 0 to ${MAX_N}` : `${fib(n)}`;
    if (error) console.error(`Refused a request: ${text}`); // and the client gets the error reply
    else console.log(` [.] fib(${n})`);
    const { reply_to: to, correlation_id, message_id } = request!;
    if (to) {
      await publish(replies, {
        to,
        correlation_id: correlation_id ?? message_id, // what AMQP 1.0 requesters match on
        body: rhea.message.data_section(Buffer.from(text)),
        ...(error ? { message_annotations: { "x-basic-type": "error" } } : {}),
      });
    } else console.error(`The request "${body}" has no reply-to, so its answer is dropped`);
    delivery!.accept();
    receiver.add_credit(1); // one request at a time: with several servers, the next one free
  });
  receiver.add_credit(1);
  return connection;
});
