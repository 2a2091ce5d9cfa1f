/**
 * Lab 5, walk-through part 2: the worker. Takes tasks from the durable
 * queue "lab_task_queue" one at a time (prefetch 1), works one second per
 * "." in the task, then acks (manual ack: a task whose worker dies goes to
 * another worker). Start several: each task goes to one free worker.
 *
 * Run:   deno task lab:2:worker    (and `deno task lab:2:new_task "A task..."`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, values, vhost } = labCli("lab:2:worker", {
  summary: 'Do the tasks of "lab_task_queue" one at a time, ack each when done (lab 5, part 2)',
  options: { queue: "lab_task_queue" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const queue = values.queue;
  await channel.assertQueue(queue, { durable: true });
  // Fair dispatch (pika: basic_qos(prefetch_count=1)): no new task until the last is acked.
  await channel.prefetch(1);

  console.log(usingLine(vhost, { queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, async (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    const task = msg.content.toString();
    const seconds = task.split(".").length - 1; // the work: one second per "."
    console.log(`RECEIVED: ${task}${msg.fields.redelivered ? " (redelivered)" : ""}`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    console.log("INFO: Done");
    // Ack (pika: basic_ack) only now: if the worker dies before this line, the task is requeued.
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
