/**
 * Tutorial 1, "Hello World!": the producer. Sends one message (default
 * 'Hello World!') to the queue "hello" through the default exchange, then closes.
 *
 * Run:   deno task send            (and `deno task receive` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";

const { url, values, positionals } = parseCli({
  name: "send",
  summary: "Send 'Hello World!' to the queue \"hello\" (tutorial 1)",
  args: "[message...]",
  options: {
    queue: { type: "string", default: "hello", description: "queue to send to" },
  },
});
const QUEUE = values.queue;
const MESSAGE = positionals.join(" ") || "Hello World!";

const connection = await connect(url, { name: "send" });
const channel = await connection.createChannel();

// Declaring is idempotent: the queue is created only if it does not exist yet. A durable
// quorum queue, as in the official tutorials (RabbitMQ 4.3 refuses a non-durable shared queue).
await channel.assertQueue(QUEUE, { durable: true, arguments: { "x-queue-type": "quorum" } });
channel.sendToQueue(QUEUE, Buffer.from(MESSAGE));
console.log(` [x] Sent '${MESSAGE}'`);

// Closing waits until the broker has the message.
await channel.close();
await connection.close();
