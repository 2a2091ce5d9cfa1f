/**
 * Tutorial 5, topics: the subscriber. Binds a queue of its own to the topic
 * exchange "topic_logs" with each binding key given, and prints the log
 * messages whose routing key matches one: "*" stands for exactly one word,
 * "#" for zero or more words.
 *
 * Run:   deno task receive_logs_topic "kern.*" "*.critical"   (and `deno task emit_log_topic`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { brokers, values, positionals } = cli("receive_logs_topic", {
  summary: 'Print the log messages of "topic_logs" that match the binding keys (tutorial 5)',
  args: "[binding_key]...",
  minArgs: 1,
  missingArgsCode: 1, // as the tutorial's own receive_logs_topic does
  options: { exchange: "topic_logs" },
  consumer: true,
});
const bindingKeys = positionals.map((key) => checkRoutingKey(key, "binding key"));

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const exchange = values.exchange;
  await channel.assertExchange(exchange, "topic", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // A message matching several binding keys still arrives once: it is one queue.
  for (const key of bindingKeys) await channel.bindQueue(queue, exchange, key);

  console.log(" [*] Waiting for logs. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(` [x] '${msg.fields.routingKey}':'${msg.content.toString()}'`);
  }, { noAck: true });
  return connection;
});
