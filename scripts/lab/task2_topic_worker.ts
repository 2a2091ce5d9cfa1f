/**
 * Lab 5, task 2, variant 3: the worker. Takes tasks from the work queue
 * <group>_<surname>_tasks, bound to the topic exchange <group>_<surname>_topic,
 * one at a time (prefetch 1), works one second per "-" in the task, then
 * acks (manual ack: the task of a worker that dies goes to another worker).
 * The exchange and the queue are durable and the tasks persistent: queued
 * tasks survive a broker restart.
 * Start several workers: each task goes to one of them.
 *
 * Run:   deno task lab2:topic:worker --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { doTasks, STUDENT_OPTIONS, studentName, task2Names, WAITING } from "../../lib/lab.ts";

// What makes variant 3: the sleep character, the exchange type, and whether tasks survive
// a broker shutdown.
const SLEEP_CHAR = "-"; // one second of work per "-"
const EXCHANGE_TYPE = "topic";
// Exchange and queue survive a broker restart, and so do the tasks (sent persistent).
const DURABLE = true;
// A pattern: "task.#" matches every routing key whose first word is "task".
const BINDING_KEY = "task.#";

const { url, reconnect, values } = parseCli({
  name: "lab2:topic:worker",
  summary: 'Do your tasks one at a time, one second per "-" (lab 5, task 2, variant 3)',
  maxArgs: 0,
  consumer: true,
  options: STUDENT_OPTIONS,
});
const { queue: QUEUE, exchange: EXCHANGE } = task2Names(studentName(values), EXCHANGE_TYPE);

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "lab2:topic:worker", reconnect }, async (channel) => {
  await channel.assertExchange(EXCHANGE, EXCHANGE_TYPE, { durable: DURABLE });
  await channel.assertQueue(QUEUE, { durable: DURABLE });
  await channel.bindQueue(QUEUE, EXCHANGE, BINDING_KEY);
  // Fair dispatch: no new task for this worker until it has acked the last one.
  await channel.prefetch(1);
  await channel.consume(QUEUE, doTasks(channel, QUEUE, { sleepChar: SLEEP_CHAR }), {
    noAck: false,
  });
});
console.log(WAITING);
