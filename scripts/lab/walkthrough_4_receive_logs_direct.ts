/**
 * Lab 5, walk-through part 4: the subscriber. Binds a queue of its own to
 * the direct exchange "direct_logs" once per severity given, and prints the
 * messages sent with one of those routing keys.
 *
 * Run:   deno task lab:4:receive_logs_direct warning error   (and lab:4:emit_log_direct)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { DIRECT_EXCHANGE, printMessages, WAITING } from "../../lib/lab.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { url, reconnect, values, positionals } = parseCli({
  name: "lab:4:receive_logs_direct",
  summary: `Print the messages of "${DIRECT_EXCHANGE}" with the given severities (lab 5, part 4)`,
  args: "[info] [warning] [error]",
  minArgs: 1,
  consumer: true,
  options: {
    exchange: { type: "string", default: DIRECT_EXCHANGE, description: "direct exchange" },
  },
});
const EXCHANGE = values.exchange;
const SEVERITIES = positionals.map((key) => checkRoutingKey(key, "severity"));

// Runs again after a reconnect, on a new channel (and so with a new queue).
await startConsumer(url, { name: "lab:4:receive_logs_direct", reconnect }, async (channel) => {
  await channel.assertExchange(EXCHANGE, "direct", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // One binding per severity: a direct exchange matches the routing key exactly.
  for (const severity of SEVERITIES) await channel.bindQueue(queue, EXCHANGE, severity);
  await channel.consume(queue, printMessages(queue, { withKey: true }), { noAck: true });
});
console.log(WAITING);
