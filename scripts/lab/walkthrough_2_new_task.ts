/**
 * Lab 5, walk-through part 2: the producer of the work queue. Queues the
 * task given on the command line on the durable queue "task_queue" as a
 * persistent message; each "." in it is one second of work for a worker.
 *
 * Run:   deno task lab:2:new_task "A task..."   (with `deno task lab:2:worker` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { printSent, TASK_QUEUE } from "../../lib/lab.ts";

const { url, values, positionals } = parseCli({
  name: "lab:2:new_task",
  summary: `Queue a task on "${TASK_QUEUE}"; each '.' is one second of work (lab 5, part 2)`,
  args: "[message...]",
  options: {
    queue: { type: "string", default: TASK_QUEUE, description: "queue to send the task to" },
  },
});
const QUEUE = values.queue;
const MESSAGE = positionals.join(" ") || "Hello World!";

const connection = await connect(url, { name: "lab:2:new_task" });
// A confirm channel: the broker says when it has stored the message.
const channel = await connection.createConfirmChannel();

// durable: the queue survives a broker restart; persistent: so do its messages.
await channel.assertQueue(QUEUE, { durable: true });
channel.sendToQueue(QUEUE, Buffer.from(MESSAGE), { persistent: true });
await channel.waitForConfirms();
printSent(MESSAGE);

await channel.close();
await connection.close();
