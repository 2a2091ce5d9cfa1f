/**
 * Lab 5, walk-through part 4: the publisher. Sends a message with a routing
 * key (a severity such as "info", "warning" or "error") to the direct
 * exchange "direct_logs", which passes it to the queues bound with exactly
 * that key.
 *
 * Run:   deno task lab:4:emit_log_direct error "Disk full"   (with lab:4:receive_logs_direct)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { brokers, values, positionals, vhost } = labCli("lab:4:emit_log_direct", {
  summary: 'Send a message with a severity to the direct exchange "direct_logs" (lab 5, part 4)',
  args: "[severity] [message...]",
  options: { exchange: "direct_logs" },
});
const severity = checkRoutingKey(positionals[0] ?? "info");
const msg = positionals.slice(1).join(" ") || "Hello World!";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const exchange = values.exchange;
// As tutorial 4 declares it.
await channel.assertExchange(exchange, "direct", { durable: false });
console.log(usingLine(vhost, { exchange }));
channel.publish(exchange, severity, Buffer.from(msg));
console.log(`SENT: [${severity}] ${msg}`);

await channel.close();
await connection.close();
