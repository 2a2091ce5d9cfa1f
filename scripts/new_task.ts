/**
 * Tutorial 2, work queues: the producer. Queues one task on the durable
 * queue "task_queue" as a persistent message; each "." in the task stands
 * for one second of work for the worker.
 *
 * Run:   deno task new_task "A long task....."   (with `deno task worker` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";

const { brokers, values, positionals } = cli("new_task", {
  summary: "Queue a task on \"task_queue\"; each '.' is one second of work (tutorial 2)",
  args: "[message...]",
  options: { queue: "task_queue" },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// A confirm channel: the broker tells us once it has stored the message.
const channel = await connection.createConfirmChannel();

const queue = values.queue;
const msg = positionals.join(" ") || "Hello World!";

// durable: the queue survives a broker restart; persistent: so do its messages. A quorum
// queue, as in the official tutorials: replicated on a cluster, kept on disk.
await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
channel.sendToQueue(queue, Buffer.from(msg), { persistent: true });
await channel.waitForConfirms();
console.log(` [x] Sent '${msg}'`);

await channel.close();
await connection.close();
