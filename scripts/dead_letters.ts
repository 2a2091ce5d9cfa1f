/**
 * When a task cannot be done (docs/failures.md): the reader of the dead
 * letters. Prints each message of the queue "dead_letters" with what its
 * x-death header says, in words: from which queue, why (rejected by a
 * consumer, expired, over the delivery limit, a full queue) and how many
 * times, the latest first; then where it was dead-lettered first
 * (x-first-death-*). Acks each: printed is handled.
 *
 * Run:   deno task dead_letters      (and `deno task failing_worker`, `deno task send_task poison`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";

const { brokers, values } = cli("dead_letters", {
  summary: 'Print the messages of "dead_letters" with their x-death headers in words',
  options: { queue: "dead_letters" },
  consumer: true,
});

/** The reasons of x-death, in words. */
const REASONS: Record<string, string> = {
  rejected: "rejected by a consumer (basic.reject or basic.nack without requeue)",
  expired: "expired (its time to live ran out)",
  delivery_limit: "returned more times than the queue's delivery limit",
  maxlen: "dropped from a full queue (its length limit)",
};

/** One entry of x-death: a queue and a reason, and how many times. */
interface Death {
  queue: string;
  reason: string;
  count: number;
}

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const queue = values.queue;
  await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    const headers = msg.properties.headers ?? {};
    const deaths: Death[] = headers["x-death"] ?? [];
    console.log(` [x] Dead letter '${msg.content.toString()}'`);
    // The broker keeps one entry per queue and reason, the latest first.
    for (const { queue, reason, count } of deaths) {
      console.log(
        `     from "${queue}": ${REASONS[reason] ?? reason}, ${count} time${
          count === 1 ? "" : "s"
        }`,
      );
    }
    const first = headers["x-first-death-queue"];
    console.log(
      first === undefined
        ? "     no x-death header: it was published here, not dead-lettered"
        : `     first dead-lettered from "${first}": ${headers["x-first-death-reason"]}`,
    );
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
