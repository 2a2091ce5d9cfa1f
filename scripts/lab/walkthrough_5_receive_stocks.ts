/**
 * Lab 5, walk-through part 5: the subscriber. Binds a queue of its own to
 * the topic exchange "stocks" with each pattern given and prints the quotes
 * whose key <class>.<market>.<currency> matches one: "*" stands for exactly
 * one word, "#" for zero or more. The lab's bindings: "*.usa.*" (everything
 * on the US market), "*.*.rub" (everything in roubles), "stock.#" (all stocks).
 *
 * Run:   deno task lab:5:receive_stocks "*.usa.*"   (and `deno task lab:5:emit_stock`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { printMessages, STOCKS_EXCHANGE, WAITING } from "../../lib/lab.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { url, reconnect, values, positionals } = parseCli({
  name: "lab:5:receive_stocks",
  summary: `Print the quotes of "${STOCKS_EXCHANGE}" whose key matches a pattern (lab 5, part 5)`,
  args: "[pattern...]",
  minArgs: 1,
  consumer: true,
  options: {
    exchange: { type: "string", default: STOCKS_EXCHANGE, description: "topic exchange" },
  },
});
const EXCHANGE = values.exchange;
const PATTERNS = positionals.map((key) => checkRoutingKey(key, "binding key"));

// Runs again after a reconnect, on a new channel (and so with a new queue).
await startConsumer(url, { name: "lab:5:receive_stocks", reconnect }, async (channel) => {
  await channel.assertExchange(EXCHANGE, "topic", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // A quote matching several patterns still arrives once: it is one queue.
  for (const pattern of PATTERNS) await channel.bindQueue(queue, EXCHANGE, pattern);
  await channel.consume(queue, printMessages(queue, { withKey: true }), { noAck: true });
});
console.log(WAITING);
