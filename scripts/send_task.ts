/**
 * When a task cannot be done (docs/failures.md): the producer. Queues one
 * task on "failing_tasks" as a persistent message and waits for the
 * broker's confirm; a task with "poison" in it fails in every worker of
 * this track. It does not declare the queue: its worker does, with the
 * dead-letter arguments, so start the worker first (a missing queue is an
 * error, not something to create without them).
 *
 * Run:   deno task send_task poison      (with `deno task failing_worker` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";

const { brokers, values, positionals } = cli("send_task", {
  summary: 'Queue a task on "failing_tasks"; one with "poison" in it fails',
  args: "[task...]",
  options: { queue: "failing_tasks" },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createConfirmChannel();

const queue = values.queue;
const task = positionals.join(" ") || "Hello World!";

// Not declared: a missing queue is an error (NOT_FOUND). Its worker declares it.
await channel.checkQueue(queue);
channel.sendToQueue(queue, Buffer.from(task), { persistent: true });
await channel.waitForConfirms();
console.log(` [x] Sent '${task}'`);

await channel.close();
await connection.close();
