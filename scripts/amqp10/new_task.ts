/**
 * Tutorial 2 over AMQP 1.0, work queues: the producer. Queues one task on
 * the durable quorum queue "task_queue" as a durable message; each "." in
 * the task stands for one second of work for the worker.
 *
 * What AMQP 1.0 changes: "persistent" is the message header's `durable`; the
 * broker's outcome "accepted" says the quorum queue has stored the task (a
 * majority of its replicas, on disk), where AMQP 0-9-1 waits for a confirm.
 *
 * Run:   deno task amqp10:new_task "A long task....."   (with `deno task amqp10:worker` running)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea from "rhea";
import { Buffer } from "node:buffer";
import { cli } from "../../lib/cli.ts";
import { connectFirst } from "../../lib/connect.ts";
import { close, connect, openSender, publish } from "../../lib/amqp10/connection.ts";
import { expectAccepted } from "../../lib/amqp10/errors.ts";
import { openManagement, queueAddress } from "../../lib/amqp10/management.ts";

const { brokers, values, positionals } = cli("amqp10:new_task", {
  summary:
    "Queue a task on \"task_queue\" over AMQP 1.0; each '.' is one second of work (tutorial 2, RabbitMQ 4)",
  args: "[message...]",
  options: { queue: "task_queue" },
});

const connection = await connectFirst(brokers, connect);

const queue = values.queue;
const msg = positionals.join(" ") || "Hello World!";

const management = await openManagement(connection);
await management.declareQueue(queue, { type: "quorum" });

const address = queueAddress(queue); // "/queues/task_queue"
const sender = await openSender(connection, address);
// durable: the message survives a broker restart (AMQP 0-9-1's persistent: true).
const outcome = await publish(sender, {
  durable: true,
  body: rhea.message.data_section(Buffer.from(msg)),
});
expectAccepted(outcome, address);
console.log(` [x] Sent '${msg}'`);

await close(connection);
