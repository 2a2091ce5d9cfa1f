/**
 * Lab 5, walk-through part 4: the publisher. Sends a message with a routing
 * key (a severity such as "info", "warning" or "error") to the direct
 * exchange "direct_logs", which passes it to the queues bound with exactly
 * that key.
 *
 * Run:   deno task lab:4:emit_log_direct error "Disk full"   (with lab:4:receive_logs_direct)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { DIRECT_EXCHANGE, printSent } from "../../lib/lab.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { url, values, positionals } = parseCli({
  name: "lab:4:emit_log_direct",
  summary:
    `Send a message with a severity to the direct exchange "${DIRECT_EXCHANGE}" (lab 5, part 4)`,
  args: "[severity] [message...]",
  options: {
    exchange: { type: "string", default: DIRECT_EXCHANGE, description: "direct exchange" },
  },
});
const EXCHANGE = values.exchange;
const SEVERITY = checkRoutingKey(positionals[0] ?? "info");
const MESSAGE = positionals.slice(1).join(" ") || "Hello World!";

const connection = await connect(url, { name: "lab:4:emit_log_direct" });
const channel = await connection.createChannel();

await channel.assertExchange(EXCHANGE, "direct", { durable: false });
channel.publish(EXCHANGE, SEVERITY, Buffer.from(MESSAGE));
printSent(MESSAGE, SEVERITY);

await channel.close();
await connection.close();
