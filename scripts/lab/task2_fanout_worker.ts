/**
 * Lab 5, task 2, variant 1: the worker. Takes tasks from the work queue
 * <group>_<surname>_tasks, bound to the fanout exchange <group>_<surname>_fanout,
 * one at a time (prefetch 1), works one second per "#" in the task, then
 * acks (manual ack: the task of a worker that dies goes to another worker).
 * The exchange and the queue are durable and the tasks persistent: queued
 * tasks survive a broker restart.
 * Start several workers: each task goes to one of them.
 *
 * Run:   deno task lab2:fanout:worker --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { doTasks, STUDENT_OPTIONS, studentName, task2Names, WAITING } from "../../lib/lab.ts";

// What makes variant 1: the sleep character, the exchange type, and whether tasks survive
// a broker shutdown.
const SLEEP_CHAR = "#"; // one second of work per "#"
const EXCHANGE_TYPE = "fanout";
// Exchange and queue survive a broker restart, and so do the tasks (sent persistent).
const DURABLE = true;
// No key needed: a fanout exchange copies every task to every queue bound to it.
const BINDING_KEY = "";

const { url, reconnect, values } = parseCli({
  name: "lab2:fanout:worker",
  summary: 'Do your tasks one at a time, one second per "#" (lab 5, task 2, variant 1)',
  maxArgs: 0,
  consumer: true,
  options: STUDENT_OPTIONS,
});
const { queue: QUEUE, exchange: EXCHANGE } = task2Names(studentName(values), EXCHANGE_TYPE);

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "lab2:fanout:worker", reconnect }, async (channel) => {
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
