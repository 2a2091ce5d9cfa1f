/**
 * Tutorial 6 over AMQP 1.0, RPC: the server. Takes requests "n" from the
 * queue "rpc_queue" one at a time (one credit), computes the n-th Fibonacci
 * number, and sends it to the request's reply-to address with the request's
 * correlation id, then accepts the request. A body that is not a whole
 * number from 0 to 10,000 gets an error reply (annotation x-basic-type
 * "error", which an AMQP 0-9-1 client reads as its message type) instead.
 * It answers AMQP 1.0 and AMQP 0-9-1 clients alike.
 *
 * What AMQP 1.0 changes: the replies go out on one sender link attached to
 * no address at all (the anonymous terminus); each reply's `to` says where
 * it goes: "/queues/amq.rabbitmq.reply-to.…" for a client using Direct
 * Reply-To, "/queues/amq.gen-…" for an AMQP 0-9-1 client's reply queue.
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

const { urls, reconnect, values } = cli("amqp10:rpc_server", {
  summary:
    'Answer Fibonacci requests from the queue "rpc_queue" over AMQP 1.0 (tutorial 6, RabbitMQ 4)',
  options: { queue: "rpc_queue" },
  consumer: true,
});
const MAX_N = 10_000;

/** The n-th Fibonacci number, iteratively: fib(0) = 0, fib(1) = 1. BigInt keeps it exact. */
function fib(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** The answer to a request: fib(n), or an error for a body that is not a whole number <= MAX_N. */
function answer(body: string): { text: string; error: boolean } {
  if (/^\d+$/.test(body.trim()) && Number(body) <= MAX_N) {
    console.log(` [.] fib(${Number(body)})`);
    return { text: String(fib(Number(body))), error: false };
  }
  const text = `"${body}" is not a whole number from 0 to ${MAX_N}`;
  console.error(`Refused a request: ${text}`);
  return { text, error: true };
}

// Runs again, with the next broker of the list, whenever the connection drops.
await keepReceiving({ urls, reconnect }, async (url) => {
  const connection = await connect(url);

  const queue = values.queue;
  const management = await openManagement(connection);
  await management.declareQueue(queue, { type: "quorum" });
  // The anonymous terminus: one sender for replies to any address, given in each reply's `to`.
  const replies = await openSender(connection, null);

  console.log(" [x] Awaiting RPC requests");
  const receiver = await openReceiver(connection, queueAddress(queue));
  receiver.on("message", async ({ message, delivery }) => {
    const request = message!;
    const { text, error } = answer(bodyText(request));
    if (request.reply_to) {
      const outcome = await publish(replies, {
        to: request.reply_to,
        // An AMQP 1.0 requester matches replies by its message-id; ours sets both.
        correlation_id: request.correlation_id ?? request.message_id,
        body: rhea.message.data_section(Buffer.from(text)),
        ...(error ? { message_annotations: { "x-basic-type": "error" } } : {}),
      });
      if (outcome !== "accepted") {
        console.error(`The reply to "${request.reply_to}" was ${outcome}`);
      }
    } else {console.error(
        `The request "${bodyText(request)}" has no reply-to, so its answer is dropped`,
      );}
    delivery!.accept();
    receiver.add_credit(1); // one request at a time: with several servers, each takes the next when free
  });
  receiver.add_credit(1);
  return connection;
});
