/**
 * Tutorial 5 over AMQP 1.0, topics: the publisher. Sends a log message to
 * the topic exchange "topic_logs" with a routing key of dot-separated words
 * such as "kern.critical"; queues get it when one of their binding patterns
 * matches.
 *
 * What AMQP 1.0 changes: the routing key is the last part of the sender's
 * address, percent-encoded: "/exchanges/topic_logs/kern.critical"; a message
 * no pattern matches comes back "released".
 *
 * Run:   deno task amqp10:emit_log_topic kern.critical "A critical kernel error"
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

const { brokers, values, positionals } = cli("amqp10:emit_log_topic", {
  summary:
    'Send a log message with a routing key to the topic exchange "topic_logs" over AMQP 1.0 (tutorial 5, RabbitMQ 4)',
  args: "[routing.key] [message...]",
  options: { exchange: "topic_logs" },
});
const key = checkRoutingKey(positionals[0] ?? "anonymous.info");

const connection = await connectFirst(brokers, connect);

const exchange = values.exchange;
const msg = positionals.slice(1).join(" ") || "Hello World!";

const management = await openManagement(connection);
await management.declareExchange(exchange, { type: "topic", durable: false });

const address = exchangeAddress(exchange, key); // "/exchanges/topic_logs/kern.critical"
const sender = await openSender(connection, address);
const outcome = await publish(sender, { body: rhea.message.data_section(Buffer.from(msg)) });
if (outcome !== "released") expectAccepted(outcome, address);
console.log(` [x] Sent '${key}':'${msg}'`);
if (outcome === "released") {
  console.log(` [.] No binding of "${exchange}" matches "${key}": nobody got it`);
}

await close(connection);
