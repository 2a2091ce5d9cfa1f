/**
 * When a task cannot be done (docs/failures.md): retry after a delay, the
 * RabbitMQ 4.3 way. The quorum queue "delayed_tasks" holds a task its worker
 * rejected before it delivers it again: --min-delay ms after the first
 * failure, twice that after the second, and so on up to --max-delay
 * (x-delayed-retry-*); its delivery limit dead-letters the task after
 * --retries retries. A task with "poison" in it fails; any other is done at
 * once. An older broker would ignore these arguments: there the program
 * says so and exits.
 *
 * Run:   deno task delayed_retry_worker      (and `deno task send_task --queue delayed_tasks poison`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli, wholeNumber } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming } from "../lib/consumer.ts";
import { consumerCancelled } from "../lib/consumer_cancelled.ts";
import { assertDeadLetters } from "../lib/dead_letters.ts";
import { requireVersion } from "../lib/require_version.ts";

const { brokers, values } = cli("delayed_retry_worker", {
  summary: 'RabbitMQ 4.3: "delayed_tasks" redelivers a failed task after a growing delay',
  options: {
    queue: "delayed_tasks",
    "dead-letters": { default: "dead_letters", description: "dead-letter exchange and its queue" },
    "min-delay": {
      default: "1000",
      description: "ms before the first retry, added again per failure",
    },
    "max-delay": { default: "4000", description: "the longest wait before a retry, in ms" },
    retries: { default: "3", description: "retries before the task is dead-lettered" },
  },
  consumer: true,
});
const MIN_DELAY = wholeNumber("min-delay", values["min-delay"], 1);
const MAX_DELAY = wholeNumber("max-delay", values["max-delay"], MIN_DELAY);
const RETRIES = wholeNumber("retries", values.retries);

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  requireVersion(connection, url, {
    feature: "the delayed retry of quorum queues, x-delayed-retry-type",
    since: "4.3",
    instead: 'use "deno task retry_worker", which waits in queues of its own',
  });
  const channel = await connection.createChannel();

  const queue = values.queue;
  const deadLetters = values["dead-letters"];
  await assertDeadLetters(channel, deadLetters, queue); // the exchange, its queue, the binding
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      "x-queue-type": "quorum",
      "x-dead-letter-exchange": deadLetters,
      "x-dead-letter-routing-key": queue,
      "x-delivery-limit": RETRIES, // one failure more, and the task is dead-lettered
      "x-delayed-retry-type": "failed", // delay the returns that count as failures,
      "x-delayed-retry-min": MIN_DELAY, // by MIN_DELAY times the task's failures so far,
      "x-delayed-retry-max": MAX_DELAY, // but never longer than MAX_DELAY
    },
  });
  await channel.prefetch(1);

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return consumerCancelled(connection, queue, url);
    const task = msg.content.toString();
    const failures: number = msg.properties.headers?.["x-delivery-count"] ?? 0;
    console.log(` [x] Received '${task}'${failures ? ` (x-delivery-count ${failures})` : ""}`);
    if (task.includes("poison")) {
      // basic.reject with requeue is a failure: it counts toward the delivery limit, and waits.
      channel.reject(msg, true);
      const then = failures < RETRIES
        ? `the broker redelivers it in ${Math.min(MIN_DELAY * (failures + 1), MAX_DELAY)} ms`
        : "over the delivery limit: dead-lettered";
      return console.log(` [!] Failed '${task}': basic.reject, requeue; ${then}`);
    }
    console.log(" [x] Done"); // any other task: done at once
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
