/**
 * Lab 5, task 1, variant 1: the consumer of an EXCLUSIVE queue named
 * <group>_<surname>. Only this program's connection may use the queue, and
 * the broker deletes it when this program stops: a second consumer is
 * refused, and a producer cannot declare it (see task1_exclusive_send.ts).
 *
 * Run:   deno task lab1:exclusive:receive --group inbo-04 --surname laptev
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

// What makes this variant: the queue belongs to this connection alone.
const QUEUE_SETTINGS = { exclusive: true, durable: false };

const { url, reconnect, values } = parseCli({
  name: "lab1:exclusive:receive",
  summary:
    "Print the messages of your exclusive queue <group>_<surname> (lab 5, task 1, variant 1)",
  maxArgs: 0,
  consumer: true,
  options: { ...STUDENT_OPTIONS, ...QUEUE_OPTION },
});
const QUEUE = studentName(values);

// Runs again after a reconnect, on a new channel (the old queue went with the old connection).
await startConsumer(url, { name: "lab1:exclusive:receive", reconnect }, async (channel) => {
  await channel.assertQueue(QUEUE, QUEUE_SETTINGS);
  await channel.consume(QUEUE, printMessages(QUEUE), { noAck: true });
});
console.log(WAITING);
