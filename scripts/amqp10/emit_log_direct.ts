/**
 * Tutorial 4 over AMQP 1.0, routing: the publisher. Sends a log message to
 * the direct exchange "direct_logs" with its severity as the routing key:
 * only the queues bound with exactly that key get it.
 *
 * What AMQP 1.0 changes: the exchange and the routing key are one address,
 * "/exchanges/direct_logs/error", fixed for the sender link; a message no
 * queue is bound for comes back "released".
 *
 * Run:   deno task amqp10:emit_log_direct error "Run. Run. Or it will explode."
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea from "rhea";
import { Buffer } from "node:buffer";
import { cli } from "../../lib/cli.ts";
import { connectFirst } from "../../lib/connect.ts";
import { checkRoutingKey } from "../../lib/routing.ts";
import { close, connect, openSender, publish } from "../../lib/amqp10/connection.ts";
import { expectAccepted } from "../../lib/amqp10/errors.ts";
import { exchangeAddress, openManagement } from "../../lib/amqp10/management.ts";

const { brokers, values, positionals } = cli("amqp10:emit_log_direct", {
  summary:
    'Send a log message with a severity to the direct exchange "direct_logs" over AMQP 1.0 (tutorial 4, RabbitMQ 4)',
  args: "[severity] [message...]",
  options: { exchange: "direct_logs" },
});
const severity = checkRoutingKey(positionals[0] ?? "info", "severity");

const connection = await connectFirst(brokers, connect);

const exchange = values.exchange;
const msg = positionals.slice(1).join(" ") || "Hello World!";

const management = await openManagement(connection);
await management.declareExchange(exchange, { type: "direct", durable: false });

const address = exchangeAddress(exchange, severity); // "/exchanges/direct_logs/error"
const sender = await openSender(connection, address);
const outcome = await publish(sender, { body: rhea.message.data_section(Buffer.from(msg)) });
if (outcome !== "released") expectAccepted(outcome, address);
console.log(` [x] Sent '${severity}':'${msg}'`);
if (outcome === "released") {
  console.log(` [.] No queue is bound to "${exchange}" with "${severity}": nobody got it`);
}

await close(connection);
