/**
 * Tutorial 3, publish/subscribe: the subscriber. Binds a fresh queue of its
 * own (server-named, exclusive: deleted when this program stops) to the
 * fanout exchange "logs" and prints every log message sent from now on.
 * Start two: both print every message.
 *
 * Run:   deno task receive_logs          (and `deno task emit_log` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";

const { brokers, values } = cli("receive_logs", {
  summary: 'Print every log message sent to the fanout exchange "logs" from now on (tutorial 3)',
  options: { exchange: "logs" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops: a new
// queue, bound again.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const exchange = values.exchange;
  await channel.assertExchange(exchange, "fanout", { durable: false });
  // Queue name "": the broker picks a unique one, like "amq.gen-JzTY20BRgKO-HjmUJj0wLg".
  const { queue } = await channel.assertQueue("", { exclusive: true });
  await channel.bindQueue(queue, exchange, "");

  console.log(" [*] Waiting for logs. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(` [x] ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
