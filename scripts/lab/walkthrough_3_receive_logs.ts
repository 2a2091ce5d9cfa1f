/**
 * Lab 5, walk-through part 3: the subscriber. Binds a queue of its own
 * (server-named, exclusive: deleted when this program stops) to the fanout
 * exchange "logs" and prints every message sent from now on. Start two:
 * both print every message.
 *
 * Run:   deno task lab:3:receive_logs   (and `deno task lab:3:emit_log` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, values, vhost } = labCli("lab:3:receive_logs", {
  summary: 'Print every message sent to the fanout exchange "logs" from now on (lab 5, part 3)',
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
  // Queue name "" (pika: queue_declare(queue="", exclusive=True)): the broker picks a unique
  // name, like "amq.gen-JzTY20BRgKO-HjmUJj0wLg".
  const { queue } = await channel.assertQueue("", { exclusive: true });
  // The binding: without it the exchange sends this queue nothing. Fanout ignores its key.
  await channel.bindQueue(queue, exchange, "");

  console.log(usingLine(vhost, { exchange, queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    console.log(`RECEIVED: ${msg.content.toString()}`);
  }, { noAck: true });
  return connection;
});
