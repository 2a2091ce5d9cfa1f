/**
 * Lab 5, task 2, variant 2: the worker. Takes tasks from your work queue
 * <group>_<surname>_tasks, bound to your direct exchange <group>_<surname>_direct, one at a time
 * (prefetch 1), works one second per "*" in the task, then acks: the task of a worker that
 * dies goes to another worker. Start several: each task goes to one of them.
 * Transient: a broker restart loses the queued tasks (RabbitMQ 4.3 must permit
 * transient non-exclusive queues, as this project's compose.yaml does).
 *
 * Run:   deno task lab2:direct:worker --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../../lib/consumer.ts";
import { studentCli, usingLine } from "../../lib/lab/cli.ts";
import { task2Names } from "../../lib/lab/names.ts";

const { brokers, student, vhost } = studentCli("lab2:direct:worker", {
  summary: 'Do your tasks one at a time, one second per "*" (lab 5, task 2, variant 2)',
  consumer: true,
});
const { queue, exchange } = task2Names(student, "direct"); // <group>_<surname>_tasks, _direct

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  // Variant 2: transient exchange and queue (durable: false): a broker restart loses the queue
  // and its tasks. Direct: only tasks whose routing key is exactly "task" reach this queue.
  await channel.assertExchange(exchange, "direct", { durable: false });
  await channel.assertQueue(queue, { durable: false });
  await channel.bindQueue(queue, exchange, "task");
  // Fair dispatch (pika: basic_qos(prefetch_count=1)): no new task until the last is acked.
  await channel.prefetch(1);

  console.log(usingLine(vhost, { exchange, queue }));
  console.log("INFO: Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, async (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    const task = msg.content.toString();
    const seconds = task.split("*").length - 1; // the work: one second per "*"
    console.log(`RECEIVED: ${task}${msg.fields.redelivered ? " (redelivered)" : ""}`);
    if (seconds === 0) console.log('INFO: No "*" in this task, so no work to do');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    console.log("INFO: Done");
    // Ack (pika: basic_ack) only now: if the worker dies before this line, the task is requeued.
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
