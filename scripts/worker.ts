/**
 * Tutorial 2, work queues: the worker. Takes tasks from "task_queue" one at
 * a time (prefetch 1), works one second per "." in the task, then acks.
 * Start several workers: the broker hands each task to a free one. Stop a
 * worker mid-task (Ctrl+C, or kill it) and its task goes to another worker.
 *
 * Run:   deno task worker          (and `deno task new_task "Hello..."`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../lib/config.ts";
import { queueDeleted, startConsumer } from "../lib/consumer.ts";
import { work } from "../lib/work.ts";

const { url, reconnect, values } = parseCli({
  name: "worker",
  summary: 'Do the tasks of "task_queue" one at a time, ack each when done (tutorial 2)',
  maxArgs: 0,
  consumer: true,
  options: {
    queue: { type: "string", default: "task_queue", description: "queue to take tasks from" },
  },
});
const QUEUE = values.queue;
const SLEEP_CHAR = "."; // one second of work per "."

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "worker", reconnect }, async (channel) => {
  await channel.assertQueue(QUEUE, { durable: true, arguments: { "x-queue-type": "quorum" } });
  // Fair dispatch: no new task for this worker until it has acked the last one.
  await channel.prefetch(1);

  await channel.consume(QUEUE, async (msg) => {
    if (!msg) return queueDeleted(QUEUE); // deleted while we consume
    const task = msg.content.toString();
    const again = msg.fields.redelivered ? " (redelivered)" : "";
    console.log(` [x] Received '${task}'${again}`);

    await work(task, { sleepChar: SLEEP_CHAR });

    console.log(" [x] Done");
    // Ack only now: if the worker dies before this line, the broker requeues the task.
    channel.ack(msg);
  }, { noAck: false });
});
console.log(" [*] Waiting for messages. To exit press CTRL+C");
