/**
 * Lab 5, task 2, variant 1: the producer. Publishes the task given on the command line to
 * your fanout exchange <group>_<surname>_fanout, in front of your work queue
 * <group>_<surname>_tasks; each "#" in the task is one second of work for a worker.
 * Durable, and the tasks persistent: queued tasks survive a broker restart.
 * Quote the task: the shell drops an unquoted word that starts with "#" and expands "*".
 *
 * Run:   deno task lab2:fanout:new_task --group inbo-04 --surname laptev "Resize photo###"
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";
import { task2Names } from "../../lib/lab/names.ts";

const { brokers, positionals, student, vhost } = studentCli("lab2:fanout:new_task", {
  summary:
    'Queue a task; each "#" is one second of work (lab 5, task 2, variant 1: durable fanout)',
  args: "[task...]",
});
const { queue, exchange } = task2Names(student, "fanout"); // <group>_<surname>_tasks, _fanout
const msg = positionals.join(" ") || "Resize photo###";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// A confirm channel: the broker says when it has stored the task.
const channel = await connection.createConfirmChannel();

// Variant 1: durable exchange and queue, persistent tasks (pika: durable=True, delivery_mode=2):
// queued tasks survive a broker restart. Fanout ignores the routing key.
await channel.assertExchange(exchange, "fanout", { durable: true });
// The queue and its binding too, as the worker declares them: a task sent before any worker
// ran then waits in the queue instead of being dropped by the exchange.
await channel.assertQueue(queue, { durable: true });
await channel.bindQueue(queue, exchange, "");
console.log(usingLine(vhost, { exchange, queue }));
channel.publish(exchange, "", Buffer.from(msg), { persistent: true });
await channel.waitForConfirms();
console.log(`SENT: ${msg}`);

await channel.close();
await connection.close();
