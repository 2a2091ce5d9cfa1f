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
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { fail } from "../../lib/errors.ts";
import { printSent, QUEUE_OPTION, STUDENT_OPTIONS, studentName } from "../../lib/lab.ts";

// What makes this variant: return the message if no queue of that name exists.
const PUBLISH_SETTINGS = { mandatory: true };

const { url, values, positionals } = parseCli({
  name: "lab1:exclusive:send",
  summary: "Send a message to your exclusive queue <group>_<surname> (lab 5, task 1, variant 1)",
  args: "[message...]",
  options: { ...STUDENT_OPTIONS, ...QUEUE_OPTION },
});
const QUEUE = studentName(values);
const MESSAGE = positionals.join(" ") || "My first message";

const connection = await connect(url, { name: "lab1:exclusive:send" });
// A confirm channel: once the broker confirms, a returned message has already arrived.
const channel = await connection.createConfirmChannel();
let returned = false;
channel.on("return", () => returned = true);

channel.sendToQueue(QUEUE, Buffer.from(MESSAGE), PUBLISH_SETTINGS);
await channel.waitForConfirms();
await channel.close();
await connection.close();

if (returned) {
  fail(
    `No queue "${QUEUE}" to deliver to, so the broker returned the message: an exclusive queue exists only while its consumer runs; start "deno task lab1:exclusive:receive" with the same name first, then send again`,
  );
}
printSent(MESSAGE);
