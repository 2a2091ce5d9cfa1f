/**
 * Lab 5, task 1, variant 3: the consumer of an AUTO-DELETE queue named
 * <group>_<surname>. The broker deletes the queue when its last consumer
 * disconnects (stop this program and it is gone, with any messages in it).
 * A queue that never had a consumer is kept: messages sent before this
 * program starts wait for it.
 *
 * Run:   deno task lab1:autodelete:receive --group inbo-04 --surname laptev
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

// What makes this variant: autoDelete. durable is true only because RabbitMQ 4.3 refuses
// non-durable queues that are not exclusive by default; autoDelete decides when the queue
// goes, and the producer must declare it with the same settings.
const QUEUE_SETTINGS = { autoDelete: true, durable: true };

const { url, reconnect, values } = parseCli({
  name: "lab1:autodelete:receive",
  summary:
    "Print the messages of your auto-delete queue <group>_<surname> (lab 5, task 1, variant 3)",
  maxArgs: 0,
  consumer: true,
  options: { ...STUDENT_OPTIONS, ...QUEUE_OPTION },
});
const QUEUE = studentName(values);

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "lab1:autodelete:receive", reconnect }, async (channel) => {
  await channel.assertQueue(QUEUE, QUEUE_SETTINGS);
  await channel.consume(QUEUE, printMessages(QUEUE), { noAck: true });
});
console.log(WAITING);
