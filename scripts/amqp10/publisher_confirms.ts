/**
 * Tutorial 7 over AMQP 1.0, publisher confirms: in AMQP 1.0 every message a
 * publisher sends unsettled gets an outcome from the broker: "accepted" (all
 * the queues it was routed to have it), "rejected" (a queue refused it: full
 * with x-overflow "reject-publish", say), or "released" (no queue got it:
 * unroutable, which RabbitMQ 4.x reports this way). Publishes --count
 * messages three ways, each to its own fresh queue, and times them:
 *
 *   individually    send one message, wait for its outcome, then the next;
 *   in batch        send --batch-size messages, wait for all their outcomes;
 *   asynchronously  send without waiting, as long as the broker grants the
 *                   sender credit, and handle outcomes as they come (by
 *                   delivery id), waiting for the last ones at the end.
 *
 * Each strategy then checks that its queue holds every message the broker
 * accepted, and deletes the queue. A rejected, released or unsettled message
 * is reported and makes the exit code 1: nothing is lost silently.
 *
 * Run:   deno task amqp10:publisher_confirms                   (50,000 messages per strategy)
 *        deno task amqp10:publisher_confirms --count 2000 --max-length 1000   (rejected)
 *        deno task amqp10:publisher_confirms --count 3 --exchange amq.direct  (released)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea, { type EventContext } from "rhea";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { connectFirst } from "../../lib/connect.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { formatCount, listed, range, settledWithin } from "../../lib/publishing.ts";
import {
  close,
  connect,
  detach,
  openSender,
  type Outcome,
  publish,
  type Sender,
} from "../../lib/amqp10/connection.ts";
import { exchangeAddress, openManagement, queueAddress } from "../../lib/amqp10/management.ts";

const { brokers, values } = cli("amqp10:publisher_confirms", {
  summary:
    "Publish messages with outcomes individually, in batches and asynchronously over AMQP 1.0 (tutorial 7, RabbitMQ 4)",
  options: {
    count: { default: "50000", description: "messages per strategy" },
    "batch-size": { default: "100", description: "messages per batch" },
    timeout: { default: "5000", description: "ms to wait for an outcome (or for credit)" },
    queue: {
      default: "publisher_confirms",
      description: "queue name prefix: NAME.individually, NAME.batch, NAME.async",
    },
    exchange: {
      description:
        "publish to this existing exchange, with the queue name as routing key; the queues are not bound to it, so the broker releases the messages",
    },
    strategy: { description: "run only this strategy: individually, batch or async" },
    "max-length": {
      description:
        'declare the queues with x-max-length N and x-overflow "reject-publish": the broker rejects what does not fit',
    },
  },
});
const COUNT = wholeNumber("count", values.count, 1);
const BATCH_SIZE = wholeNumber("batch-size", values["batch-size"], 1);
const TIMEOUT_MS = wholeNumber("timeout", values.timeout, 1);
const QUEUE_ARGUMENTS = values["max-length"] === undefined ? {} : {
  "x-max-length": wholeNumber("max-length", values["max-length"], 0),
  "x-overflow": "reject-publish",
};

/** What became of a strategy's messages, by message number (1 to COUNT, also the body). */
interface Result {
  published: number;
  rejected: number[];
  released: number[];
  unsettled: number[];
}

const message = (n: number) => ({ body: rhea.message.data_section(Buffer.from(String(n))) });

/** Files message n under its outcome (accepted needs no note). */
function note(result: Result, n: number, outcome: Outcome) {
  if (outcome === "rejected" || outcome === "modified") result.rejected.push(n);
  if (outcome === "released") result.released.push(n);
}

async function publishIndividually(sender: Sender): Promise<Result> {
  const result: Result = { published: COUNT, rejected: [], released: [], unsettled: [] };
  for (let n = 1; n <= COUNT; n++) {
    const outcome = await settledWithin(publish(sender, message(n)), TIMEOUT_MS);
    if (outcome === "timeout") return { ...result, published: n, unsettled: [n] };
    note(result, n, outcome);
  }
  return result;
}

async function publishInBatch(sender: Sender): Promise<Result> {
  const result: Result = { published: COUNT, rejected: [], released: [], unsettled: [] };
  for (let first = 1; first <= COUNT; first += BATCH_SIZE) {
    const last = Math.min(first + BATCH_SIZE - 1, COUNT);
    const batch = range(first, last).map((n) => publish(sender, message(n)));
    const outcomes = await settledWithin(Promise.all(batch), TIMEOUT_MS);
    // A batch is settled as a whole: on a timeout, none of it counts as settled.
    if (outcomes === "timeout") {
      return { ...result, published: last, unsettled: range(first, last) };
    }
    outcomes.forEach((outcome, i) => note(result, first + i, outcome));
  }
  return result;
}

async function publishAsynchronously(sender: Sender): Promise<Result> {
  const result: Result = { published: COUNT, rejected: [], released: [], unsettled: [] };
  const outstanding = new Map<number, number>(); // delivery id -> message number
  const allSettled = Promise.withResolvers<void>();
  let publishing = true;
  const onOutcome = (outcome: Outcome) => ({ delivery }: EventContext) => {
    note(result, outstanding.get(delivery!.id)!, outcome);
    outstanding.delete(delivery!.id);
    if (!publishing && outstanding.size === 0) allSettled.resolve();
  };
  for (const outcome of ["accepted", "rejected", "released", "modified"] as const) {
    sender.on(outcome, onOutcome(outcome));
  }

  for (let n = 1; n <= COUNT; n++) {
    if (!sender.sendable()) {
      // No credit left: the broker grants the sender more as it takes the messages. A broker that
      // has stopped (a resource alarm) grants none: give up as for outcomes.
      const credit = new Promise((resolve) => sender.once("sendable", resolve));
      if (await settledWithin(credit, TIMEOUT_MS) === "timeout") {
        return { ...result, published: n - 1, unsettled: [...outstanding.values()] };
      }
    }
    outstanding.set(sender.send(message(n)).id, n);
  }
  publishing = false;
  if (outstanding.size > 0 && await settledWithin(allSettled.promise, TIMEOUT_MS) === "timeout") {
    return { ...result, unsettled: [...outstanding.values()] };
  }
  return result;
}

const STRATEGIES = [
  { queue: "individually", done: "individually", run: publishIndividually },
  { queue: "batch", done: "in batch", run: publishInBatch },
  { queue: "async", done: "and handled outcomes asynchronously", run: publishAsynchronously },
].filter((strategy) => values.strategy === undefined || strategy.queue === values.strategy);
if (STRATEGIES.length === 0) {
  throw new ProgramError(
    `Invalid value for --strategy: "${values.strategy}" is not one of individually, batch, async`,
    "usage",
  );
}

const connection = await connectFirst(brokers, connect);
const management = await openManagement(connection);
let failed = false;
function report(problem: string) {
  console.error(` [!] ${problem}`);
  failed = true;
}

for (const strategy of STRATEGIES) {
  const queue = `${values.queue}.${strategy.queue}`;
  // Exclusive: this connection's own queue, gone when it closes even if we never get to delete it.
  await management.declareQueue(queue, { exclusive: true, arguments: QUEUE_ARGUMENTS });
  const address = values.exchange ? exchangeAddress(values.exchange, queue) : queueAddress(queue);
  const sender = await openSender(connection, address);

  const start = performance.now();
  const result = await strategy.run(sender);
  const ms = performance.now() - start;
  if (result.unsettled.length) {
    // The broker has stopped answering (blocked by a resource alarm, or gone): stop here.
    throw new ProgramError(
      ` [!] No outcome within ${formatCount(TIMEOUT_MS)} ms for ${
        listed(result.unsettled)
      }; giving up`,
    );
  }
  console.log(
    `Published ${formatCount(result.published)} messages ${strategy.done} in ${formatCount(ms)} ms`,
  );

  if (result.rejected.length) {
    report(`The broker rejected ${listed(result.rejected)}: a queue refused them (full?)`);
  }
  if (result.released.length) {
    report(`The broker released ${listed(result.released)}: no queue got them (unroutable)`);
  }
  // The queue tells whether every accepted message is there.
  const accepted = result.published - result.rejected.length - result.released.length;
  const { messageCount } = await management.queueInfo(queue);
  if (messageCount !== accepted) {
    report(
      `The queue "${queue}" holds ${formatCount(messageCount)} messages, expected ${
        formatCount(accepted)
      }`,
    );
  }

  await detach(sender); // first: the broker detaches a sender whose queue goes, with an error
  await management.deleteQueue(queue);
}

await close(connection);
if (failed) Deno.exit(1);
