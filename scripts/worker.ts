/**
 * Tutorial 2, work queues: the worker. Takes tasks from "task_queue" one at
 * a time (prefetch 1), works one second per "." in the task, then acks.
 * Start several workers: the broker hands each task to a free one. Stop a
 * worker mid-task (Ctrl+C, or kill it) and its task goes to another worker.
 *
 * Run:   deno task worker          (and `deno task new_task "Hello..."`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";

const { brokers, values } = cli("worker", {
  summary: 'Do the tasks of "task_queue" one at a time, ack each when done (tutorial 2)',
  options: { queue: "task_queue" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const queue = values.queue;
  await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
  // Fair dispatch: no new task for this worker until it has acked the last one.
  await channel.prefetch(1);

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, async (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    const task = msg.content.toString();
    const seconds = task.split(".").length - 1; // one second of work per "."
    console.log(` [x] Received '${task}'${msg.fields.redelivered ? " (redelivered)" : ""}`);
    if (seconds > 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    console.log(" [x] Done");
    // Ack only now: if the worker dies before this line, the broker requeues the task.
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
