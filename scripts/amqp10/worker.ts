/**
 * Tutorial 2 over AMQP 1.0, work queues: the worker. Takes tasks from
 * "task_queue" one at a time, works one second per "." in the task, then
 * accepts it. Start several workers: the broker hands each task to a free
 * one. Stop a worker mid-task (Ctrl+C, or kill it) and its task goes to
 * another worker.
 *
 * What AMQP 1.0 changes: prefetch is link credit. This receiver grants one
 * credit, so the broker sends one task; the worker grants the next credit
 * only after it has settled the task (fair dispatch). Settling is the ack:
 * accept (done: the broker deletes the task). The other outcomes, for a
 * worker that cannot do a task: release (back to the queue, as if never
 * delivered), reject (dead-lettered, or dropped), modify (back to the queue
 * or dead-lettered, counting a failed delivery, with annotations added).
 *
 * Run:   deno task amqp10:worker       (and `deno task amqp10:new_task "Hello..."`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { cli } from "../../lib/cli.ts";
import { bodyText, connect, openReceiver } from "../../lib/amqp10/connection.ts";
import { openManagement, queueAddress } from "../../lib/amqp10/management.ts";
import { keepReceiving } from "../../lib/amqp10/receiver.ts";

const { brokers, values } = cli("amqp10:worker", {
  summary:
    'Do the tasks of "task_queue" one at a time over AMQP 1.0, accept each when done (tutorial 2, RabbitMQ 4)',
  options: { queue: "task_queue" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops.
await keepReceiving(brokers, async (url) => {
  const connection = await connect(url);

  const queue = values.queue;
  const management = await openManagement(connection);
  await management.declareQueue(queue, { type: "quorum" });

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  // No credit yet, and nothing settled for us: the program grants credit and settles.
  const receiver = await openReceiver(connection, queueAddress(queue));
  receiver.on("message", async ({ message, delivery }) => {
    const task = bodyText(message!);
    const seconds = task.split(".").length - 1; // one second of work per "."
    // first-acquirer false: another consumer had this task before (0-9-1's redelivered).
    console.log(` [x] Received '${task}'${message!.first_acquirer ? "" : " (redelivered)"}`);
    if (seconds > 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    console.log(" [x] Done");
    // Accept only now: if the worker dies before this line, the broker requeues the task.
    delivery!.accept();
    receiver.add_credit(1); // and only now may the broker send the next one
  });
  receiver.add_credit(1); // fair dispatch: one task at a time
  return connection;
});
