/**
 * Tutorial 4, routing: the publisher. Sends a log message to the direct
 * exchange "direct_logs" with its severity as the routing key: only the
 * queues bound with exactly that key get it.
 *
 * Run:   deno task emit_log_direct error "Run. Run. Or it will explode."
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { brokers, values, positionals } = cli("emit_log_direct", {
  summary: 'Send a log message with a severity to the direct exchange "direct_logs" (tutorial 4)',
  args: "[severity] [message...]",
  options: { exchange: "direct_logs" },
});
const severity = checkRoutingKey(positionals[0] ?? "info", "severity");

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const exchange = values.exchange;
const msg = positionals.slice(1).join(" ") || "Hello World!";

await channel.assertExchange(exchange, "direct", { durable: false });
channel.publish(exchange, severity, Buffer.from(msg));
console.log(` [x] Sent '${severity}':'${msg}'`);

await channel.close();
await connection.close();
