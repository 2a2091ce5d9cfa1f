/**
 * When a task cannot be done (docs/failures.md): retry after a delay, the
 * portable way (any RabbitMQ version). The worker of "failing_tasks" (as
 * failing_worker declares it); a task with "poison" in it fails. A failed
 * task goes to a wait queue, "failing_tasks.wait_1000ms", whose messages
 * expire after that long (x-message-ttl) and are dead-lettered back to
 * "failing_tasks"; the next failure waits in the next, longer one
 * (--delays). The header x-retries counts the retries: RabbitMQ 4.x does not
 * read an x-death header that a client publishes. After the last retry the
 * task is rejected, to the dead letters. Any other task is done at once.
 *
 * Run:   deno task retry_worker      (and `deno task send_task poison`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli, wholeNumber } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming } from "../lib/consumer.ts";
import { consumerCancelled } from "../lib/consumer_cancelled.ts";
import { assertDeadLetters } from "../lib/dead_letters.ts";

const { brokers, values } = cli("retry_worker", {
  summary:
    'Do the tasks of "failing_tasks"; retry a failed one after each of --delays, via wait queues',
  options: {
    queue: "failing_tasks",
    "dead-letters": { default: "dead_letters", description: "dead-letter exchange and its queue" },
    delays: { default: "1000,2000,4000", description: "ms to wait before each retry" },
  },
  consumer: true,
});
const DELAYS = values.delays.split(",").map((delay) => wholeNumber("delays", delay, 1));

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  // A confirm channel: a retry is stored before the failed delivery is acked.
  const channel = await connection.createConfirmChannel();

  const queue = values.queue;
  const deadLetters = values["dead-letters"];
  await assertDeadLetters(channel, deadLetters, queue); // the exchange, its queue, the binding
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      "x-queue-type": "quorum",
      "x-dead-letter-exchange": deadLetters,
      "x-dead-letter-routing-key": queue,
    },
  });
  const wait = (delay: number) => `${queue}.wait_${delay}ms`;
  for (const delay of DELAYS) {
    // A message waits here `delay` ms, then the broker dead-letters it back to the work queue.
    await channel.assertQueue(wait(delay), {
      durable: true,
      arguments: {
        "x-queue-type": "quorum",
        "x-message-ttl": delay,
        "x-dead-letter-exchange": "", // the default exchange, which routes by queue name
        "x-dead-letter-routing-key": queue,
      },
    });
  }
  await channel.prefetch(1);

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, async (msg) => {
    if (!msg) return consumerCancelled(connection, queue, url);
    const task = msg.content.toString();
    const retries: number = msg.properties.headers?.["x-retries"] ?? 0;
    console.log(` [x] Received '${task}'${retries ? ` (retry ${retries})` : ""}`);
    if (task.includes("poison") && retries < DELAYS.length) {
      const delay = DELAYS[retries];
      console.log(` [!] Failed '${task}': retry ${retries + 1} of ${DELAYS.length} in ${delay} ms`);
      const headers = { ...msg.properties.headers, "x-retries": retries + 1 };
      channel.sendToQueue(wait(delay), msg.content, { persistent: true, headers });
      await channel.waitForConfirms();
      return channel.ack(msg);
    }
    if (task.includes("poison")) {
      console.log(` [!] Failed '${task}': no retries left, rejected to the dead letters`);
      return channel.reject(msg, false);
    }
    console.log(" [x] Done"); // any other task: done at once
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
