/**
 * Tutorial 1, "Hello World!": the producer. Sends one message (default
 * 'Hello World!') to the queue "hello" through the default exchange, then closes.
 *
 * Run:   deno task send            (and `deno task receive` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";

const { brokers, values, positionals } = cli("send", {
  summary: "Send 'Hello World!' to the queue \"hello\" (tutorial 1)",
  args: "[message...]",
  options: { queue: "hello" },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const queue = values.queue;
const msg = positionals.join(" ") || "Hello World!";

// Declaring is idempotent: the queue is created only if it does not exist yet. A durable
// quorum queue, as in the official tutorials (RabbitMQ 4.3 refuses a non-durable shared queue).
await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
channel.sendToQueue(queue, Buffer.from(msg));
console.log(` [x] Sent '${msg}'`);

// Closing waits until the broker has the message.
await channel.close();
await connection.close();
