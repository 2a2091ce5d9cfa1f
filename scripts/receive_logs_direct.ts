/**
 * Tutorial 4, routing: the subscriber. Binds a queue of its own to the
 * direct exchange "direct_logs" once per severity given, and prints the log
 * messages sent with one of those severities.
 *
 * Run:   deno task receive_logs_direct warning error   (and `deno task emit_log_direct error "Oops"`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../lib/config.ts";
import { queueDeleted, startConsumer } from "../lib/consumer.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { url, reconnect, values, positionals } = parseCli({
  name: "receive_logs_direct",
  summary: 'Print the log messages of the given severities from "direct_logs" (tutorial 4)',
  args: "[info] [warning] [error]",
  minArgs: 1,
  consumer: true,
  missingArgsCode: 1, // as the tutorial's own receive_logs_direct does
  options: {
    exchange: {
      type: "string",
      default: "direct_logs",
      description: "direct exchange to subscribe to",
    },
  },
});
const EXCHANGE = values.exchange;
const SEVERITIES = positionals.map((severity) => checkRoutingKey(severity, "severity"));

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "receive_logs_direct", reconnect }, async (channel) => {
  await channel.assertExchange(EXCHANGE, "direct", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // One binding per severity: a message whose routing key equals one of them lands in the queue.
  for (const severity of SEVERITIES) await channel.bindQueue(queue, EXCHANGE, severity);
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // deleted while we consume
    console.log(` [x] '${msg.fields.routingKey}':'${msg.content.toString()}'`);
  }, { noAck: true });
});
console.log(" [*] Waiting for logs. To exit press CTRL+C");
