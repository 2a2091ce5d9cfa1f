/**
 * Tutorial 3, publish/subscribe: the publisher. Sends one log message to
 * the fanout exchange "logs", which copies it to every queue bound to it:
 * every running `receive_logs` gets it, and nobody else keeps it.
 *
 * Run:   deno task emit_log "warning: disk almost full"   (with `deno task receive_logs` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";

const { url, values, positionals } = parseCli({
  name: "emit_log",
  summary: 'Send a log message to every subscriber of the fanout exchange "logs" (tutorial 3)',
  args: "[message...]",
  options: {
    exchange: { type: "string", default: "logs", description: "fanout exchange to publish to" },
  },
});
const EXCHANGE = values.exchange;
const MESSAGE = positionals.join(" ") || "info: Hello World!";

const connection = await connect(url, { name: "emit_log" });
const channel = await connection.createChannel();

await channel.assertExchange(EXCHANGE, "fanout", { durable: false });
// A fanout exchange ignores the routing key: every bound queue gets a copy.
channel.publish(EXCHANGE, "", Buffer.from(MESSAGE));
console.log(` [x] Sent '${MESSAGE}'`);

await channel.close();
await connection.close();
