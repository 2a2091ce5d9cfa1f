/**
 * Lab 5, task 1, variant 1: the producer for an EXCLUSIVE queue named
 * <group>_<surname>. It cannot declare the queue (the consumer's connection
 * owns it), so it publishes with `mandatory`: when no such queue exists,
 * because the consumer is not running, the broker returns the message and
 * this program says so and exits 1, instead of the message vanishing.
 *
 * Run:   deno task lab1:exclusive:send --group inbo-04 --surname laptev "Hello"
 *        (with `deno task lab1:exclusive:receive --group inbo-04 --surname laptev` running)
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, positionals, student, vhost } = studentCli("lab1:exclusive:send", {
  summary: "Send a message to your exclusive queue <group>_<surname> (lab 5, task 1, variant 1)",
  args: "[message...]",
});
const queue = student; // <group>_<surname>
const msg = positionals.join(" ") || "My first message";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// A confirm channel: once the broker confirms, a returned message has already arrived.
const channel = await connection.createConfirmChannel();
let returned = false;
channel.on("return", () => returned = true);
console.log(usingLine(vhost, { queue }));

// Variant 1: no assertQueue here (only the consumer's connection may declare it). mandatory:
// if no queue of that name exists, the broker returns the message instead of dropping it.
channel.sendToQueue(queue, Buffer.from(msg), { mandatory: true });
await channel.waitForConfirms();
await channel.close();
await connection.close();

if (returned) {
  throw new ProgramError(
    `No queue "${queue}" to deliver to, so the broker returned the message: an exclusive queue exists only while its consumer runs; start "deno task lab1:exclusive:receive" with the same name first, then send again`,
  );
}
console.log(`SENT: ${msg}`);
