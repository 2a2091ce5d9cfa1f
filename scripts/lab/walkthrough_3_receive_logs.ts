/**
 * Lab 5, walk-through part 3: the subscriber. Binds a queue of its own
 * (server-named, exclusive: deleted when this program stops) to the fanout
 * exchange "logs" and prints every message sent from now on. Start two:
 * both print every message.
 *
 * Run:   deno task lab:3:receive_logs   (and `deno task lab:3:emit_log` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { LOGS_EXCHANGE, printMessages, WAITING } from "../../lib/lab.ts";

const { url, reconnect, values } = parseCli({
  name: "lab:3:receive_logs",
  summary:
    `Print every message sent to the fanout exchange "${LOGS_EXCHANGE}" from now on (lab 5, part 3)`,
  maxArgs: 0,
  consumer: true,
  options: {
    exchange: { type: "string", default: LOGS_EXCHANGE, description: "fanout exchange" },
  },
});
const EXCHANGE = values.exchange;

// Runs again after a reconnect, on a new channel (and so with a new queue).
await startConsumer(url, { name: "lab:3:receive_logs", reconnect }, async (channel) => {
  await channel.assertExchange(EXCHANGE, "fanout", { durable: false });
  // Queue name "": the broker picks a unique one, like "amq.gen-JzTY20BRgKO-HjmUJj0wLg".
  const { queue } = await channel.assertQueue("", { exclusive: true });
  await channel.bindQueue(queue, EXCHANGE, "");
  await channel.consume(queue, printMessages(queue), { noAck: true });
});
console.log(WAITING);
