/**
 * Tutorial 1, "Hello World!": the consumer. Prints every message that
 * arrives on the queue "hello" until you press Ctrl+C.
 *
 * Run:   deno task receive         (and `deno task send` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL)
 */
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";
import { closeOnSignal } from "../lib/shutdown.ts";

const { url, values } = parseCli({
  name: "receive",
  summary: 'Print the messages of the queue "hello" (tutorial 1)',
  maxArgs: 0,
  options: {
    queue: { type: "string", default: "hello", description: "queue to receive from" },
  },
});
const QUEUE = values.queue;

const connection = await connect(url, { name: "receive" });
const channel = await connection.createChannel();
closeOnSignal(connection, channel);

// Declared here too: whichever program starts first creates the queue.
await channel.assertQueue(QUEUE, { durable: false });

// noAck: the broker forgets a message as soon as it is delivered.
await channel.consume(QUEUE, (msg) => {
  if (msg) console.log(` [x] Received '${msg.content.toString()}'`);
}, { noAck: true });
console.log(" [*] Waiting for messages. To exit press CTRL+C");
