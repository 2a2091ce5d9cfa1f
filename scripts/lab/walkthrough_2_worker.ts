/**
 * Lab 5, walk-through part 2: the worker. Takes tasks from the durable
 * queue "task_queue" one at a time (prefetch 1), works one second per "."
 * in the task, then acks (manual ack: a task whose worker dies goes to
 * another worker). Start several: each task goes to one free worker.
 *
 * Run:   deno task lab:2:worker    (and `deno task lab:2:new_task "A task..."`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../../lib/config.ts";
import { startConsumer } from "../../lib/consumer.ts";
import { doTasks, TASK_QUEUE, WAITING } from "../../lib/lab.ts";

const { url, reconnect, values } = parseCli({
  name: "lab:2:worker",
  summary: `Do the tasks of "${TASK_QUEUE}" one at a time, ack each when done (lab 5, part 2)`,
  maxArgs: 0,
  consumer: true,
  options: {
    queue: { type: "string", default: TASK_QUEUE, description: "queue to take tasks from" },
  },
});
const QUEUE = values.queue;
const SLEEP_CHAR = "."; // one second of work per "."

// Runs again after a reconnect, on a new channel.
await startConsumer(url, { name: "lab:2:worker", reconnect }, async (channel) => {
  await channel.assertQueue(QUEUE, { durable: true });
  // Fair dispatch: no new task for this worker until it has acked the last one.
  await channel.prefetch(1);
  await channel.consume(QUEUE, doTasks(channel, QUEUE, { sleepChar: SLEEP_CHAR }), {
    noAck: false,
  });
});
console.log(WAITING);
