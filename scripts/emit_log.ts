/**
 * Tutorial 3, publish/subscribe: the publisher. Sends one log message to
 * the fanout exchange "logs", which copies it to every queue bound to it:
 * every running `receive_logs` gets it, and nobody else keeps it.
 *
 * Run:   deno task emit_log "warning: disk almost full"   (with `deno task receive_logs` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";

const { brokers, values, positionals } = cli("emit_log", {
  summary: 'Send a log message to every subscriber of the fanout exchange "logs" (tutorial 3)',
  args: "[message...]",
  options: { exchange: "logs" },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const exchange = values.exchange;
const msg = positionals.join(" ") || "info: Hello World!";

await channel.assertExchange(exchange, "fanout", { durable: false });
// A fanout exchange ignores the routing key: every bound queue gets a copy.
channel.publish(exchange, "", Buffer.from(msg));
console.log(` [x] Sent '${msg}'`);

await channel.close();
await connection.close();
