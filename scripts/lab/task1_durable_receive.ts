/**
 * Lab 5, task 1, variant 2: the consumer of a DURABLE queue named
 * <group>_<surname>. The queue and the persistent messages in it survive a
 * broker restart: messages sent while this program was not running wait for
 * it, even if the broker restarted in between.
 *
 * Run:   deno task lab1:durable:receive --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import {
  printMessages,
  QUEUE_OPTION,
  STUDENT_OPTIONS,
  studentName,
  WAITING,
} from "../../lib/lab.ts";

// What makes this variant: the queue survives a broker restart (the producer must agree).
const QUEUE_SETTINGS = { durable: true };

const { url, reconnect, values } = parseCli({
  name: "lab1:durable:receive",
  summary: "Print the messages of your durable queue <group>_<surname> (lab 5, task 1, variant 2)",
  maxArgs: 0,
  consumer: true,
  options: { ...STUDENT_OPTIONS, ...QUEUE_OPTION },
});
const QUEUE = studentName(values);

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "lab1:durable:receive", reconnect }, async (channel) => {
  await channel.assertQueue(QUEUE, QUEUE_SETTINGS);
  await channel.consume(QUEUE, printMessages(QUEUE), { noAck: true });
});
console.log(WAITING);
