/**
 * Lab 5: deletes the queues and exchanges the lab's programs declare, and
 * says which it deleted: the walk-through's (awesome_queue, task_queue,
 * logs, direct_logs, stocks) and, given your name, your own (task 1's queue
 * <group>_<surname>, task 2's queue <group>_<surname>_tasks and exchanges
 * <group>_<surname>_fanout/_direct/_topic). Run it before switching variants:
 * a queue declared by one variant is refused by the next, whose settings differ.
 *
 * Run:   deno task lab:reset --group inbo-04 --surname laptev
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import type { Channel } from "amqplib";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import {
  QUEUE_OPTION,
  STUDENT_OPTIONS,
  studentName,
  task2Names,
  task2Queue,
  WALKTHROUGH_EXCHANGES,
  WALKTHROUGH_QUEUES,
} from "../../lib/lab.ts";
import { TASK2_EXCHANGE_TYPES } from "../../lib/lab_variants.ts";
import { maskUrl } from "../../lib/url.ts";

const { url, values } = parseCli({
  name: "lab:reset",
  summary:
    "Delete the queues and exchanges the lab's programs declared (yours too, given your name)",
  maxArgs: 0,
  options: {
    ...STUDENT_OPTIONS,
    ...QUEUE_OPTION,
    "mine-only": {
      type: "boolean",
      description: "keep the walk-through's objects (others use them on a shared broker)",
    },
  },
});
const STUDENT = studentName(values, { required: false });
const QUEUES = values["mine-only"] ? [] : [...WALKTHROUGH_QUEUES];
const EXCHANGES = values["mine-only"] ? [] : [...WALKTHROUGH_EXCHANGES];
if (STUDENT) {
  QUEUES.push(STUDENT, task2Queue(STUDENT));
  EXCHANGES.push(...TASK2_EXCHANGE_TYPES.map((type) => task2Names(STUDENT, type).exchange));
}

const connection = await connect(url, { name: "lab:reset" });
let deleted = 0;
let inUse = 0;

/** Runs `action` on a channel of its own, since a failed check closes the channel. */
async function remove(action: (channel: Channel) => Promise<string>, name: string) {
  const channel = await connection.createChannel();
  channel.on("error", () => {}); // a failed check also rejects its promise, handled below
  try {
    console.log(await action(channel));
    deleted++;
    await channel.close();
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 404) return; // does not exist: nothing to delete
    if (code !== 405) throw error;
    inUse++;
    console.log(
      `Not deleted: queue "${name}" is exclusive to a running program; stop that program and the queue goes with it`,
    );
  }
}

for (const queue of QUEUES) {
  await remove(async (channel) => {
    await channel.checkQueue(queue);
    const { messageCount } = await channel.deleteQueue(queue);
    return `Deleted queue "${queue}" (${messageCount} message${messageCount === 1 ? "" : "s"})`;
  }, queue);
}
for (const exchange of EXCHANGES) {
  await remove(async (channel) => {
    await channel.checkExchange(exchange);
    await channel.deleteExchange(exchange);
    return `Deleted exchange "${exchange}"`;
  }, exchange);
}
await connection.close();

const where = `"${maskUrl(url)}"`;
if (deleted > 0) console.log(`Deleted ${deleted} of the lab's queues and exchanges at ${where}`);
else if (inUse === 0) {
  console.log(`Nothing to delete: none of the lab's queues and exchanges exist at ${where}`);
}
if (!STUDENT) {
  console.log(
    "To delete your own task 1 and task 2 queues and exchanges too, give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env)",
  );
}
if (inUse > 0) Deno.exit(1);
