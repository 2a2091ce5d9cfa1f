/**
 * Tutorial 5, topics: the publisher. Sends a log message to the topic
 * exchange "topic_logs" with a routing key of dot-separated words such as
 * "kern.critical"; queues get it when one of their binding patterns matches.
 *
 * Run:   deno task emit_log_topic kern.critical "A critical kernel error"
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { brokers, values, positionals } = cli("emit_log_topic", {
  summary: 'Send a log message with a routing key to the topic exchange "topic_logs" (tutorial 5)',
  args: "[routing.key] [message...]",
  options: { exchange: "topic_logs" },
});
// Checked before connecting: AMQP refuses routing keys over 255 bytes.
const key = checkRoutingKey(positionals[0] ?? "anonymous.info");

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const exchange = values.exchange;
const msg = positionals.slice(1).join(" ") || "Hello World!";

await channel.assertExchange(exchange, "topic", { durable: false });
channel.publish(exchange, key, Buffer.from(msg));
console.log(` [x] Sent '${key}':'${msg}'`);

await channel.close();
await connection.close();
