/**
 * Lab 5, task 2, variant 2: the producer. Publishes the task given on the command line to
 * your direct exchange <group>_<surname>_direct, in front of your work queue
 * <group>_<surname>_tasks; each "*" in the task is one second of work for a worker.
 * Transient: a broker restart loses the queued tasks (RabbitMQ 4.3 must permit
 * transient non-exclusive queues, as this project's compose.yaml does).
 * Quote the task: the shell drops an unquoted word that starts with "#" and expands "*".
 *
 * Run:   deno task lab2:direct:new_task --group inbo-04 --surname laptev "Resize photo***"
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";
import { task2Names } from "../../lib/lab/names.ts";

const { brokers, positionals, student, vhost } = studentCli("lab2:direct:new_task", {
  summary:
    'Queue a task; each "*" is one second of work (lab 5, task 2, variant 2: transient direct)',
  args: "[task...]",
});
const { queue, exchange } = task2Names(student, "direct"); // <group>_<surname>_tasks, _direct
const msg = positionals.join(" ") || "Resize photo***";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// A confirm channel: the broker says when it has stored the task.
const channel = await connection.createConfirmChannel();

// Variant 2: transient exchange and queue, tasks not persistent: a broker restart loses the
// queued tasks. Direct: the task goes to the queues bound with exactly its key, "task".
await channel.assertExchange(exchange, "direct", { durable: false });
// The queue and its binding too, as the worker declares them: a task sent before any worker
// ran then waits in the queue instead of being dropped by the exchange.
await channel.assertQueue(queue, { durable: false });
await channel.bindQueue(queue, exchange, "task");
console.log(usingLine(vhost, { exchange, queue }));
channel.publish(exchange, "task", Buffer.from(msg), { persistent: false });
await channel.waitForConfirms();
console.log(`SENT: ${msg}`);

await channel.close();
await connection.close();
