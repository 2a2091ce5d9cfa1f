/**
 * Tutorial 3, publish/subscribe: the subscriber. Binds a fresh queue of its
 * own (server-named, exclusive: deleted when this program stops) to the
 * fanout exchange "logs" and prints every log message sent from now on.
 * Start two: both print every message.
 *
 * Run:   deno task receive_logs          (and `deno task emit_log` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../lib/config.ts";
import { queueDeleted, startConsumer } from "../lib/consumer.ts";

const { url, reconnect, values } = parseCli({
  name: "receive_logs",
  summary: 'Print every log message sent to the fanout exchange "logs" from now on (tutorial 3)',
  maxArgs: 0,
  consumer: true,
  options: {
    exchange: { type: "string", default: "logs", description: "fanout exchange to subscribe to" },
  },
});
const EXCHANGE = values.exchange;

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "receive_logs", reconnect }, async (channel) => {
  await channel.assertExchange(EXCHANGE, "fanout", { durable: false });
  // Queue name "": the broker picks a unique one, like "amq.gen-JzTY20BRgKO-HjmUJj0wLg".
  const { queue } = await channel.assertQueue("", { exclusive: true });
  await channel.bindQueue(queue, EXCHANGE, "");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // deleted while we consume
    console.log(` [x] ${msg.content.toString()}`);
  }, { noAck: true });
});
console.log(" [*] Waiting for logs. To exit press CTRL+C");
