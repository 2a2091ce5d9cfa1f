/**
 * Lab 5, task 2, variant 2: the worker. Takes tasks from the work queue
 * <group>_<surname>_tasks, bound to the direct exchange <group>_<surname>_direct,
 * one at a time (prefetch 1), works one second per "*" in the task, then
 * acks (manual ack: the task of a worker that dies goes to another worker).
 * The exchange and the queue are transient and the tasks not persistent: a
 * broker restart loses the queued tasks (on RabbitMQ 4.3 the broker must permit
 * transient non-exclusive queues, as this project's compose.yaml does).
 * Start several workers: each task goes to one of them.
 *
 * Run:   deno task lab2:direct:worker --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { doTasks, STUDENT_OPTIONS, studentName, task2Names, WAITING } from "../../lib/lab.ts";

// What makes variant 2: the sleep character, the exchange type, and whether tasks survive
// a broker shutdown.
const SLEEP_CHAR = "*"; // one second of work per "*"
const EXCHANGE_TYPE = "direct";
// Transient: a broker restart loses the exchange, the queue and the tasks in it.
const DURABLE = false;
// An exact key: a direct exchange routes a task only to the queues bound with its routing key.
const BINDING_KEY = "task";

const { url, reconnect, values } = parseCli({
  name: "lab2:direct:worker",
  summary: 'Do your tasks one at a time, one second per "*" (lab 5, task 2, variant 2)',
  maxArgs: 0,
  consumer: true,
  options: STUDENT_OPTIONS,
});
const { queue: QUEUE, exchange: EXCHANGE } = task2Names(studentName(values), EXCHANGE_TYPE);

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "lab2:direct:worker", reconnect }, async (channel) => {
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
