/**
 * Tutorial 4, routing: the publisher. Sends a log message to the direct
 * exchange "direct_logs" with its severity as the routing key: only the
 * queues bound with exactly that key get it.
 *
 * Run:   deno task emit_log_direct error "Run. Run. Or it will explode."
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { url, values, positionals } = parseCli({
  name: "emit_log_direct",
  summary: 'Send a log message with a severity to the direct exchange "direct_logs" (tutorial 4)',
  args: "[severity] [message...]",
  options: {
    exchange: {
      type: "string",
      default: "direct_logs",
      description: "direct exchange to publish to",
    },
  },
});
const EXCHANGE = values.exchange;
const SEVERITY = checkRoutingKey(positionals[0] ?? "info", "severity");
const MESSAGE = positionals.slice(1).join(" ") || "Hello World!";

const connection = await connect(url, { name: "emit_log_direct" });
const channel = await connection.createChannel();

await channel.assertExchange(EXCHANGE, "direct", { durable: false });
channel.publish(EXCHANGE, SEVERITY, Buffer.from(MESSAGE));
console.log(` [x] Sent '${SEVERITY}':'${MESSAGE}'`);

await channel.close();
await connection.close();
