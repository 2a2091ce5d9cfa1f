/**
 * Tutorial 5, topics: the subscriber. Binds a queue of its own to the topic
 * exchange "topic_logs" with each binding key given, and prints the log
 * messages whose routing key matches one: "*" stands for exactly one word,
 * "#" for zero or more words.
 *
 * Run:   deno task receive_logs_topic "kern.*" "*.critical"   (and `deno task emit_log_topic`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../lib/config.ts";
import { queueDeleted, startConsumer } from "../lib/consumer.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { url, reconnect, values, positionals } = parseCli({
  name: "receive_logs_topic",
  summary: 'Print the log messages of "topic_logs" that match the binding keys (tutorial 5)',
  args: "[binding_key]...",
  minArgs: 1,
  consumer: true,
  missingArgsCode: 1, // as the tutorial's own receive_logs_topic does
  options: {
    exchange: {
      type: "string",
      default: "topic_logs",
      description: "topic exchange to subscribe to",
    },
  },
});
const EXCHANGE = values.exchange;
const BINDING_KEYS = positionals.map((key) => checkRoutingKey(key, "binding key"));

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "receive_logs_topic", reconnect }, async (channel) => {
  await channel.assertExchange(EXCHANGE, "topic", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // A message matching several binding keys still arrives once: it is one queue.
  for (const key of BINDING_KEYS) await channel.bindQueue(queue, EXCHANGE, key);
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // deleted while we consume
    console.log(` [x] '${msg.fields.routingKey}':'${msg.content.toString()}'`);
  }, { noAck: true });
});
console.log(" [*] Waiting for logs. To exit press CTRL+C");
