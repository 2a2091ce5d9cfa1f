/**
 * Lab 5, walk-through part 2: the producer of the work queue. Queues the
 * task given on the command line on the durable queue "lab_task_queue" as
 * a persistent message; each "." in it is one second of work for a worker.
 * (Not tutorial 2's "task_queue": that one is a quorum queue, this one the
 * lab's classic queue, and one broker cannot hold both under one name.)
 *
 * Run:   deno task lab:2:new_task "A task..."   (with `deno task lab:2:worker` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";

const { brokers, values, positionals, vhost } = labCli("lab:2:new_task", {
  summary: `Queue a task on "lab_task_queue"; each '.' is one second of work (lab 5, part 2)`,
  args: "[message...]",
  options: { queue: "lab_task_queue" },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// A confirm channel: the broker says when it has stored the message.
const channel = await connection.createConfirmChannel();

const queue = values.queue;
const msg = positionals.join(" ") || "Hello World!";

// durable (pika: durable=True): the queue survives a broker restart;
// persistent (pika: delivery_mode=2): so do the messages in it.
await channel.assertQueue(queue, { durable: true });
console.log(usingLine(vhost, { queue }));
channel.sendToQueue(queue, Buffer.from(msg), { persistent: true });
await channel.waitForConfirms();
console.log(`SENT: ${msg}`);

await channel.close();
await connection.close();
