/**
 * Lab 5, walk-through part 1: the producer. Sends "My first message" to the
 * queue "awesome_queue" through the default exchange, then closes.
 *
 * Run:   deno task lab:1:send      (with `deno task lab:1:receive` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { AWESOME_QUEUE, printSent } from "../../lib/lab.ts";

const { url, values, positionals } = parseCli({
  name: "lab:1:send",
  summary: `Send "My first message" to the queue "${AWESOME_QUEUE}" (lab 5, part 1)`,
  args: "[message...]",
  options: {
    queue: { type: "string", default: AWESOME_QUEUE, description: "queue to send to" },
  },
});
const QUEUE = values.queue;
const MESSAGE = positionals.join(" ") || "My first message";

const connection = await connect(url, { name: "lab:1:send" });
const channel = await connection.createChannel();

// Declared by both programs: whichever starts first creates it.
await channel.assertQueue(QUEUE, { durable: false });
// sendToQueue publishes to the default exchange "", which routes by queue name.
channel.sendToQueue(QUEUE, Buffer.from(MESSAGE));
printSent(MESSAGE);

// Closing waits until the broker has the message.
await channel.close();
await connection.close();
