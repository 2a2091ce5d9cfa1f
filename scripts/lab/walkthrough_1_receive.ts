/**
 * Lab 5, walk-through part 1: the consumer. Prints every message that
 * arrives on the queue "awesome_queue"; auto-ack: the broker forgets a
 * message as soon as it has delivered it.
 *
 * Run:   deno task lab:1:receive   (and `deno task lab:1:send` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { AWESOME_QUEUE, printMessages, WAITING } from "../../lib/lab.ts";

const { url, reconnect, values } = parseCli({
  name: "lab:1:receive",
  summary: `Print the messages of the queue "${AWESOME_QUEUE}" (lab 5, part 1)`,
  maxArgs: 0,
  consumer: true,
  options: {
    queue: { type: "string", default: AWESOME_QUEUE, description: "queue to receive from" },
  },
});
const QUEUE = values.queue;

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "lab:1:receive", reconnect }, async (channel) => {
  await channel.assertQueue(QUEUE, { durable: false });
  await channel.consume(QUEUE, printMessages(QUEUE), { noAck: true });
});
console.log(WAITING);
