/**
 * Lab 5, task 2, variant 3: the producer. Publishes the task given on the
 * command line to the topic exchange <group>_<surname>_topic, in front of the
 * work queue <group>_<surname>_tasks; each "-" in the task is one second
 * of work for a worker. The exchange and the queue are durable and the
 * tasks persistent: queued tasks survive a broker restart.
 *
 * Run:   deno task lab2:topic:new_task --group inbo-04 --surname laptev "Resize photo---"
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { printSent, STUDENT_OPTIONS, studentName, task2Names } from "../../lib/lab.ts";

// What makes variant 3: the exchange type and whether tasks survive a broker shutdown.
const EXCHANGE_TYPE = "topic";
// Exchange and queue survive a broker restart, and so do the tasks (sent persistent).
const DURABLE = true;
const ROUTING_KEY = "task.image.resize"; // matches the worker's pattern "task.#"
const BINDING_KEY = "task.#"; // as the worker binds its queue

const { url, values, positionals } = parseCli({
  name: "lab2:topic:new_task",
  summary: 'Queue a task; each "-" is one second of work (lab 5, task 2, variant 3)',
  args: "[task...]",
  options: STUDENT_OPTIONS,
});
const { queue: QUEUE, exchange: EXCHANGE } = task2Names(studentName(values), EXCHANGE_TYPE);
const MESSAGE = positionals.join(" ") || "Resize photo---";

const connection = await connect(url, { name: "lab2:topic:new_task" });
// A confirm channel: the broker says when it has stored the task.
const channel = await connection.createConfirmChannel();

// The queue and its binding are declared here too, as the worker declares them: a task sent
// before any worker ran then waits in the queue instead of being dropped by the exchange.
await channel.assertExchange(EXCHANGE, EXCHANGE_TYPE, { durable: DURABLE });
await channel.assertQueue(QUEUE, { durable: DURABLE });
await channel.bindQueue(QUEUE, EXCHANGE, BINDING_KEY);
channel.publish(EXCHANGE, ROUTING_KEY, Buffer.from(MESSAGE), { persistent: DURABLE });
await channel.waitForConfirms();
printSent(MESSAGE);

await channel.close();
await connection.close();
