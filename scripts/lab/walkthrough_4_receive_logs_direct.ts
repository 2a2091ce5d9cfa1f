/**
 * Lab 5, walk-through part 4: the subscriber. Binds a queue of its own to
 * the direct exchange "direct_logs" once per severity given, and prints the
 * messages sent with one of those routing keys.
 *
 * Run:   deno task lab:4:receive_logs_direct warning error   (and lab:4:emit_log_direct)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { brokers, values, positionals, vhost } = labCli("lab:4:receive_logs_direct", {
  summary: 'Print the messages of "direct_logs" with the given severities (lab 5, part 4)',
  args: "[info] [warning] [error]",
  minArgs: 1,
  options: { exchange: "direct_logs" },
  consumer: true,
});
const severities = positionals.map((key) => checkRoutingKey(key, "severity"));

// Runs again, with the next broker of the list, whenever the connection drops: a new
// queue, bound again.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const exchange = values.exchange;
  await channel.assertExchange(exchange, "direct", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // One binding per severity: a direct exchange matches the routing key exactly.
  for (const severity of severities) await channel.bindQueue(queue, exchange, severity);

  console.log(usingLine(vhost, { exchange, queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(`RECEIVED: [${msg.fields.routingKey}] ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
