/**
 * Lab 5: starting over. Deletes your own queues and exchanges (task 1's
 * queue <group>_<surname>, task 2's queue <group>_<surname>_tasks and
 * exchanges <group>_<surname>_fanout/_direct/_topic) and, only with
 * --walkthrough, the walk-through's shared ones (awesome_queue,
 * lab_task_queue, logs, direct_logs, stocks). Safe on a shared broker: it
 * never deletes a queue that a program consumes from, nor an exchange still
 * bound to a queue it does not delete (a running subscriber's): it names
 * each object it left and why, and then exits 1; a shared queue that holds
 * messages, which may be a classmate's, it keeps unless --force.
 *
 * Run:   deno task lab:reset --group inbo-04 --surname laptev   (add --walkthrough for the rest)
 * Needs: --allow-net, --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME), --allow-read (TLS files, if any)
 */
import amqp, { type Channel } from "amqplib";
import { socketOptions } from "../../lib/connect.ts";
import { labCli, readStudent } from "../../lib/lab/cli.ts";
import {
  STUDENT_OPTIONS,
  studentObjects,
  WALKTHROUGH_EXCHANGES,
  WALKTHROUGH_QUEUES,
} from "../../lib/lab/names.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { maskUrl } from "../../lib/url.ts";

const { url, values } = labCli("lab:reset", {
  summary:
    "Delete your lab queues and exchanges (and the walk-through's with --walkthrough), except those in use",
  options: {
    ...STUDENT_OPTIONS,
    walkthrough: {
      type: "boolean",
      description:
        "also delete the walk-through's shared queues and exchanges (those no program uses)",
    },
    force: {
      type: "boolean",
      description:
        "with --walkthrough: delete the shared queues that hold messages too (they may be a classmate's)",
    },
  },
});
if (values.force && !values.walkthrough) {
  throw new ProgramError(
    "--force deletes the walk-through's shared queues that hold messages: give it with --walkthrough",
    "usage",
  );
}
const student = readStudent(values, url, { required: false });
const mine = student ? studentObjects(student) : { queues: [], exchanges: [] };
const shared = { queues: [...WALKTHROUGH_QUEUES], exchanges: [...WALKTHROUGH_EXCHANGES] };
const walkthrough = values.walkthrough;
const queues = [...(walkthrough ? shared.queues : []), ...mine.queues];
const exchanges = [...(walkthrough ? shared.exchanges : []), ...mine.exchanges];

const connection = await amqp.connect(url, socketOptions(url));
let deleted = 0;
let left = 0;
let kept = 0;

/**
 * Runs `action` on a channel of its own (a failed check closes its channel): resolves with
 * what it returns, or with the AMQP reply code of a refusal (404 not found, 405 exclusive to
 * another connection, 406 in use).
 */
async function attempt<T>(action: (channel: Channel) => Promise<T>): Promise<T | number> {
  const channel = await connection.createChannel();
  channel.on("error", () => {}); // a refusal also rejects the action's promise, handled below
  try {
    const result = await action(channel);
    await channel.close();
    return result;
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 404 || code === 405 || code === 406) return code;
    throw error;
  }
}

function leave(why: string) {
  left++;
  console.log(`Not deleted: ${why}`);
}

for (const queue of queues) {
  const found = await attempt((channel) => channel.checkQueue(queue));
  if (found === 404) continue; // does not exist: nothing to delete
  if (typeof found === "number") {
    leave(
      `queue "${queue}" is exclusive to a running program; stop that program and the queue goes with it`,
    );
    continue;
  }
  // A shared queue's messages may be anyone's on this vhost: kept, unless --force.
  const keepMessages = shared.queues.includes(queue) && !values.force;
  // ifUnused: the broker refuses if a consumer is there, even one that came after the check;
  // ifEmpty: if a message is, for a shared queue whose messages are kept.
  const result = found.consumerCount > 0 || (keepMessages && found.messageCount > 0)
    ? 406
    : await attempt((channel) =>
      channel.deleteQueue(queue, { ifUnused: true, ifEmpty: keepMessages })
    );
  if (typeof result === "number") {
    const now = found.consumerCount > 0
      ? found
      : await attempt((channel) => channel.checkQueue(queue));
    if (typeof now !== "number" && now.consumerCount === 0 && keepMessages) {
      kept++;
      const count = `${now.messageCount} message${now.messageCount === 1 ? "" : "s"}`;
      console.log(
        `Kept queue "${queue}" (${count}): the walk-through's queues are shared by everyone on this vhost and the broker does not record who sent a message, so ${
          now.messageCount === 1 ? "it" : "they"
        } may be a classmate's; add --force to delete it anyway`,
      );
      continue;
    }
    const consumers = Math.max(typeof now === "number" ? 1 : now.consumerCount, 1);
    leave(
      `queue "${queue}" has ${consumers} consumer${
        consumers === 1 ? "" : "s"
      }: a running program uses it; stop that program and run lab:reset again`,
    );
    continue;
  }
  deleted++;
  const { messageCount } = result;
  console.log(`Deleted queue "${queue}" (${messageCount} message${messageCount === 1 ? "" : "s"})`);
}

for (const exchange of exchanges) {
  if (await attempt((channel) => channel.checkExchange(exchange)) === 404) continue;
  // ifUnused: the broker refuses while a queue is still bound to the exchange.
  if (await attempt((channel) => channel.deleteExchange(exchange, { ifUnused: true })) === 406) {
    leave(
      `exchange "${exchange}" is still bound to queues this reset does not delete (a running program's, or one left above); it goes once they are gone`,
    );
    continue;
  }
  deleted++;
  console.log(`Deleted exchange "${exchange}"`);
}

// Without --walkthrough: the shared objects that exist, named, so nobody wonders why they stay.
if (!walkthrough) {
  const kept = [];
  for (const queue of shared.queues) {
    if (await attempt((channel) => channel.checkQueue(queue)) !== 404) kept.push(queue);
  }
  for (const exchange of shared.exchanges) {
    if (await attempt((channel) => channel.checkExchange(exchange)) !== 404) kept.push(exchange);
  }
  if (kept.length > 0) {
    console.log(
      `Kept the walk-through's ${
        kept.map((name) => `"${name}"`).join(", ")
      }: shared with others on this broker; add --walkthrough to delete those no program uses`,
    );
  }
}
await connection.close();

const where = `"${maskUrl(url)}"`;
if (deleted > 0) console.log(`Deleted ${deleted} of the lab's queues and exchanges at ${where}`);
else if (left === 0 && kept === 0 && (student || walkthrough)) {
  const whose = walkthrough ? "the lab's" : "your lab";
  console.log(`Nothing to delete: none of ${whose} queues and exchanges exist at ${where}`);
}
if (!student) {
  console.log(
    `To delete your own task 1 and task 2 queues and exchanges${
      walkthrough ? " too" : ""
    }, give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env)`,
  );
}
if (left > 0) Deno.exitCode = 1;
