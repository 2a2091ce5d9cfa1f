/**
 * When a task cannot be done (docs/failures.md): the worker of the quorum
 * queue "failing_tasks". Like tutorial 2's worker it works one second per
 * "." and acks, but a task with "poison" in it fails every time: the worker
 * rejects it, and the broker dead-letters it to the exchange "dead_letters"
 * (its queue of that name keeps it). With --requeue the task goes back to
 * the queue instead, until the queue's delivery limit dead-letters it.
 *
 * Run:   deno task failing_worker --requeue      (and `deno task send_task poison`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli, wholeNumber } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming } from "../lib/consumer.ts";
import { consumerCancelled } from "../lib/consumer_cancelled.ts";
import { assertDeadLetters } from "../lib/dead_letters.ts";

const { brokers, values } = cli("failing_worker", {
  summary: 'Do the tasks of "failing_tasks"; one with "poison" in it fails and is dead-lettered',
  options: {
    queue: "failing_tasks",
    "dead-letters": { default: "dead_letters", description: "dead-letter exchange and its queue" },
    requeue: { type: "boolean", description: "give a failed task back to the queue" },
    nack: { type: "boolean", description: "fail with basic.nack instead of basic.reject" },
    "delivery-limit": { description: "declare the queue with x-delivery-limit N" },
  },
  consumer: true,
});
const limit = values["delivery-limit"];
const LIMIT = limit === undefined
  ? {}
  : { "x-delivery-limit": wholeNumber("delivery-limit", limit) };

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const queue = values.queue;
  const deadLetters = values["dead-letters"];
  await assertDeadLetters(channel, deadLetters, queue); // the exchange, its queue, the binding
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      "x-queue-type": "quorum",
      "x-dead-letter-exchange": deadLetters, // where the broker sends what it gives up on,
      "x-dead-letter-routing-key": queue, // with this routing key
      ...LIMIT, // none: the broker's default (3.x: no limit; 4.x: 20)
    },
  });
  await channel.prefetch(1);

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, async (msg) => {
    // Cancelled by the broker: the queue was deleted, or (4.3) we held a task past the timeout.
    if (!msg) return consumerCancelled(connection, queue, url);
    const task = msg.content.toString();
    // What the broker says of earlier deliveries (x-acquired-count: RabbitMQ 4.3).
    const headers = msg.properties.headers ?? {};
    const counts = ["x-delivery-count", "x-acquired-count"].filter((name) => headers[name]);
    const said = ["redelivered", ...counts.map((name) => `${name} ${headers[name]}`)].join(", ");
    console.log(` [x] Received '${task}'${msg.fields.redelivered ? ` (${said})` : ""}`);
    if (task.includes("poison")) {
      // Both count toward the delivery limit on 3.x; on 4.3 a nack with requeue does not.
      if (values.nack) channel.nack(msg, false, values.requeue);
      else channel.reject(msg, values.requeue);
      const method = values.nack ? "nack" : "reject";
      return console.log(` [!] Failed '${task}': basic.${method}, requeue ${values.requeue}`);
    }
    const seconds = task.split(".").length - 1; // one second of work per "."
    if (seconds > 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    console.log(" [x] Done");
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
