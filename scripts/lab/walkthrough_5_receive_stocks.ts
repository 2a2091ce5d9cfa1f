/**
 * Lab 5, walk-through part 5: the subscriber. Binds a queue of its own to
 * the topic exchange "stocks" with each pattern given and prints the quotes
 * whose key <class>.<market>.<currency> matches one: "*" stands for exactly
 * one word, "#" for zero or more. The lab's bindings: "*.usa.*" (everything
 * on the US market), "*.*.rub" (everything in roubles), "stock.#" (all stocks).
 *
 * Run:   deno task lab:5:receive_stocks "*.usa.*"   (quoted; and `deno task lab:5:emit_stock`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { brokers, values, positionals, vhost } = labCli("lab:5:receive_stocks", {
  summary: 'Print the quotes of "stocks" whose key matches a pattern (lab 5, part 5)',
  args: "[pattern...]",
  minArgs: 1,
  options: { exchange: "stocks" },
  consumer: true,
});
const patterns = positionals.map((key) => checkRoutingKey(key, "binding key"));

// Runs again, with the next broker of the list, whenever the connection drops: a new
// queue, bound again.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const exchange = values.exchange;
  await channel.assertExchange(exchange, "topic", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // A quote matching several patterns still arrives once: it is one queue.
  for (const pattern of patterns) await channel.bindQueue(queue, exchange, pattern);

  console.log(usingLine(vhost, { exchange, queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(`RECEIVED: [${msg.fields.routingKey}] ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
