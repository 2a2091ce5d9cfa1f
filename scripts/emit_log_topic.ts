/**
 * Tutorial 5, topics: the publisher. Sends a log message to the topic
 * exchange "topic_logs" with a routing key of dot-separated words such as
 * "kern.critical"; queues get it when one of their binding patterns matches.
 *
 * Run:   deno task emit_log_topic kern.critical "A critical kernel error"
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { url, values, positionals } = parseCli({
  name: "emit_log_topic",
  summary: 'Send a log message with a routing key to the topic exchange "topic_logs" (tutorial 5)',
  args: "[routing.key] [message...]",
  options: {
    exchange: {
      type: "string",
      default: "topic_logs",
      description: "topic exchange to publish to",
    },
  },
});
const EXCHANGE = values.exchange;
// Checked before connecting: AMQP refuses routing keys over 255 bytes.
const ROUTING_KEY = checkRoutingKey(positionals[0] ?? "anonymous.info");
const MESSAGE = positionals.slice(1).join(" ") || "Hello World!";

const connection = await connect(url, { name: "emit_log_topic" });
const channel = await connection.createChannel();

await channel.assertExchange(EXCHANGE, "topic", { durable: false });
channel.publish(EXCHANGE, ROUTING_KEY, Buffer.from(MESSAGE));
console.log(` [x] Sent '${ROUTING_KEY}':'${MESSAGE}'`);

await channel.close();
await connection.close();
