/**
 * Tutorial 2, work queues: the producer. Queues one task on the durable
 * queue "task_queue" as a persistent message; each "." in the task stands
 * for one second of work for the worker.
 *
 * Run:   deno task new_task "A long task....."   (with `deno task worker` running)
 * Needs: --allow-net, --allow-env (AMQP_URL)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";

const { url, values, positionals } = parseCli({
  name: "new_task",
  summary: "Queue a task on \"task_queue\"; each '.' is one second of work (tutorial 2)",
  args: "[message...]",
  options: {
    queue: { type: "string", default: "task_queue", description: "queue to send the task to" },
  },
});
const QUEUE = values.queue;
const MESSAGE = positionals.join(" ") || "Hello World!";

const connection = await connect(url, { name: "new_task" });
// A confirm channel: the broker tells us once it has stored the message.
const channel = await connection.createConfirmChannel();

// durable: the queue survives a broker restart; persistent: so do its messages. A quorum
// queue, as in the official tutorials: replicated on a cluster, kept on disk.
await channel.assertQueue(QUEUE, { durable: true, arguments: { "x-queue-type": "quorum" } });
channel.sendToQueue(QUEUE, Buffer.from(MESSAGE), { persistent: true });
await channel.waitForConfirms();
console.log(` [x] Sent '${MESSAGE}'`);

await channel.close();
await connection.close();
