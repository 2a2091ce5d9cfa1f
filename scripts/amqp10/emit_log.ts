/**
 * Tutorial 3 over AMQP 1.0, publish/subscribe: the publisher. Sends one log
 * message to the fanout exchange "logs", which copies it to every queue
 * bound to it: every running `receive_logs` gets it, and nobody else keeps it.
 *
 * What AMQP 1.0 changes: the sender link is attached to the exchange's
 * address "/exchanges/logs" (no routing key: a fanout exchange ignores it).
 * With no subscriber bound, AMQP 0-9-1 drops the message silently (unless
 * mandatory); AMQP 1.0 tells the publisher: the outcome is "released".
 *
 * Run:   deno task amqp10:emit_log "warning: disk almost full"   (with `deno task amqp10:receive_logs` running)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea from "rhea";
import { Buffer } from "node:buffer";
import { cli } from "../../lib/cli.ts";
import { connectFirst } from "../../lib/connect.ts";
import { close, connect, openSender, publish } from "../../lib/amqp10/connection.ts";
import { expectAccepted } from "../../lib/amqp10/errors.ts";
import { exchangeAddress, openManagement } from "../../lib/amqp10/management.ts";

const { brokers, values, positionals } = cli("amqp10:emit_log", {
  summary:
    'Send a log message to every subscriber of the fanout exchange "logs" over AMQP 1.0 (tutorial 3, RabbitMQ 4)',
  args: "[message...]",
  options: { exchange: "logs" },
});

const connection = await connectFirst(brokers, connect);

const exchange = values.exchange;
const msg = positionals.join(" ") || "info: Hello World!";

const management = await openManagement(connection);
await management.declareExchange(exchange, { type: "fanout", durable: false });

const address = exchangeAddress(exchange); // "/exchanges/logs"
const sender = await openSender(connection, address);
const outcome = await publish(sender, { body: rhea.message.data_section(Buffer.from(msg)) });
if (outcome !== "released") expectAccepted(outcome, address);
console.log(` [x] Sent '${msg}'`);
if (outcome === "released") console.log(` [.] No queue is bound to "${exchange}": nobody got it`);

await close(connection);
