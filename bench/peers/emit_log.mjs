/**
 * The bare amqplib version of `deno task emit_log`, for the bench: the same
 * AMQP work (declare the fanout exchange "logs", publish one message to it,
 * close) and the same output line, without lib/.
 *
 * Run:   EXCHANGE=name deno run --allow-net --allow-env --allow-read bench/peers/emit_log.mjs [message]
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const exchange = process.env.EXCHANGE || "logs";
const msg = process.argv.slice(2).join(" ") || "info: Hello World!";

const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createChannel();
await channel.assertExchange(exchange, "fanout", { durable: false });
channel.publish(exchange, "", Buffer.from(msg));
console.log(` [x] Sent '${msg}'`);
await channel.close();
await connection.close();
