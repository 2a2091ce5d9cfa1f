/**
 * Tutorial 4, routing: the subscriber. Binds a queue of its own to the
 * direct exchange "direct_logs" once per severity given, and prints the log
 * messages sent with one of those severities.
 *
 * Run:   deno task receive_logs_direct warning error   (and `deno task emit_log_direct error "Oops"`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { brokers, values, positionals } = cli("receive_logs_direct", {
  summary: 'Print the log messages of the given severities from "direct_logs" (tutorial 4)',
  args: "[info] [warning] [error]",
  minArgs: 1,
  missingArgsCode: 1, // as the tutorial's own receive_logs_direct does
  options: { exchange: "direct_logs" },
  consumer: true,
});
const severities = positionals.map((severity) => checkRoutingKey(severity, "severity"));

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const exchange = values.exchange;
  await channel.assertExchange(exchange, "direct", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // One binding per severity: a message whose routing key equals one of them lands in the queue.
  for (const severity of severities) await channel.bindQueue(queue, exchange, severity);

  console.log(" [*] Waiting for logs. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(` [x] '${msg.fields.routingKey}':'${msg.content.toString()}'`);
  }, { noAck: true });
  return connection;
});
