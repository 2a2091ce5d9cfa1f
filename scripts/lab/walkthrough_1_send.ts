/**
 * Lab 5, walk-through part 1: the producer. Sends "My first message" (or
 * the words given) to the queue "awesome_queue" through the default
 * exchange, then closes. pika: `queue_declare(queue="awesome_queue")`,
 * `basic_publish(exchange="", routing_key="awesome_queue", body=...)`.
 *
 * Run:   deno task lab:1:send      (with `deno task lab:1:receive` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, values, positionals, vhost } = labCli("lab:1:send", {
  summary: 'Send "My first message" to the queue "awesome_queue" (lab 5, part 1)',
  args: "[message...]",
  options: { queue: "awesome_queue" },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const queue = values.queue;
const msg = positionals.join(" ") || "My first message";

// Declared by both programs, the same way: whichever starts first creates it.
await channel.assertQueue(queue, { durable: false });
console.log(usingLine(vhost, { queue }));
// sendToQueue publishes to the default exchange "", which routes by queue name.
channel.sendToQueue(queue, Buffer.from(msg));
console.log(`SENT: ${msg}`);

// Closing waits until the broker has the message.
await channel.close();
await connection.close();
