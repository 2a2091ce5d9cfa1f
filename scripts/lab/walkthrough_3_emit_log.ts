/**
 * Lab 5, walk-through part 3: the publisher. Sends one message to the
 * fanout exchange "logs", which copies it to every queue bound to it: every
 * running `lab:3:receive_logs` (and tutorial 3's `receive_logs`) prints it.
 *
 * Run:   deno task lab:3:emit_log "info: Hello World!"   (with `deno task lab:3:receive_logs`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, values, positionals, vhost } = labCli("lab:3:emit_log", {
  summary: 'Send a message to every subscriber of the fanout exchange "logs" (lab 5, part 3)',
  args: "[message...]",
  options: { exchange: "logs" },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const exchange = values.exchange;
const msg = positionals.join(" ") || "info: Hello World!";

// As tutorial 3 declares it (pika: exchange_declare(exchange="logs", exchange_type="fanout")).
await channel.assertExchange(exchange, "fanout", { durable: false });
console.log(usingLine(vhost, { exchange }));
// A fanout exchange ignores the routing key: every bound queue gets a copy.
channel.publish(exchange, "", Buffer.from(msg));
console.log(`SENT: ${msg}`);

await channel.close();
await connection.close();
