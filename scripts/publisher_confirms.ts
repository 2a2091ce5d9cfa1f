/**
 * Tutorial 7, publisher confirms: the broker tells a publisher, message by
 * message, that it has taken responsibility for it (ack) or could not (nack).
 * Publishes --count messages three ways on a confirm channel, each to its own
 * fresh queue, and times them:
 *
 *   individually    publish one message, wait for its confirm, then the next;
 *   in batch        publish --batch-size messages, wait for all their confirms;
 *   asynchronously  publish without waiting, handle acks and nacks as they come
 *                   (tracked by delivery tag), wait for the last ones at the end.
 *
 * Each strategy then checks that its queue holds every message the broker
 * confirmed, and deletes the queue. A nacked, unconfirmed or returned message
 * is reported and makes the exit code 1: nothing is lost silently.
 *
 * Run:   deno task publisher_confirms                   (50,000 messages per strategy)
 *        deno task publisher_confirms --strategy async --count 1000000   (one strategy only)
 *        deno task publisher_confirms --count 2000 --max-length 1000    (the broker nacks)
 *        deno task publisher_confirms --count 3 --exchange amq.direct --mandatory   (returns)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp, { type ConfirmChannel, type Message } from "amqplib";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";
import { closeOnSignal } from "../lib/shutdown.ts";

const { brokers, values } = cli("publisher_confirms", {
  summary:
    "Publish messages with confirms individually, in batches and asynchronously (tutorial 7)",
  options: {
    count: { default: "50000", description: "messages per strategy" },
    "batch-size": { default: "100", description: "messages per batch" },
    timeout: {
      default: "5000",
      description: "ms to wait for a confirm (or for a full write buffer to drain)",
    },
    queue: {
      default: "publisher_confirms",
      description: "queue name prefix: NAME.individually, NAME.batch, NAME.async",
    },
    exchange: {
      description:
        "publish through this existing exchange, with the queue name as routing key; the queues are not bound to it (see --mandatory)",
    },
    mandatory: {
      type: "boolean",
      description: "have the broker return the messages no queue receives, and report them",
    },
    strategy: {
      description: "run only this strategy: individually, batch or async",
    },
    "max-length": {
      description:
        'declare the queues with x-max-length N and x-overflow "reject-publish": the broker nacks what does not fit (to see nacks)',
    },
  },
});
const COUNT = wholeNumber("count", values.count, 1);
const BATCH_SIZE = wholeNumber("batch-size", values["batch-size"], 1);
const CONFIRM_TIMEOUT_MS = wholeNumber("timeout", values.timeout, 1);
const QUEUE_PREFIX = values.queue;
const EXCHANGE = values.exchange ?? ""; // "": the default exchange, which routes by queue name
const MANDATORY = values.mandatory;
const QUEUE_ARGUMENTS = values["max-length"] === undefined ? {} : {
  "x-max-length": wholeNumber("max-length", values["max-length"], 0),
  "x-overflow": "reject-publish",
};

/** What became of a strategy's messages, by message number (1 to COUNT, also the body). */
interface Outcome {
  published: number;
  nacked: number[];
  unconfirmed: number[];
}

type Confirm = "ack" | "nack";

/** A message the broker returned (basic.return), with the reason. */
type Returned = Message & { fields: { replyCode: number; replyText: string } };

const format = (n: number) => Math.round(n).toLocaleString("en-US");

/** Publishes message `n`; resolves with the broker's confirm for it. */
function publish(channel: ConfirmChannel, queue: string, n: number): Promise<Confirm> {
  return new Promise((resolve) => {
    channel.publish(EXCHANGE, queue, Buffer.from(String(n)), { mandatory: MANDATORY }, (error) => {
      resolve(error ? "nack" : "ack");
    });
  });
}

/** Resolves like `promise`, or with "timeout" when it takes longer than CONFIRM_TIMEOUT_MS. */
async function withTimeout<T>(promise: Promise<T>): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), CONFIRM_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function publishIndividually(channel: ConfirmChannel, queue: string): Promise<Outcome> {
  const nacked: number[] = [];
  for (let n = 1; n <= COUNT; n++) {
    const confirm = await withTimeout(publish(channel, queue, n));
    if (confirm === "timeout") return { published: n, nacked, unconfirmed: [n] };
    if (confirm === "nack") nacked.push(n);
  }
  return { published: COUNT, nacked, unconfirmed: [] };
}

async function publishInBatch(channel: ConfirmChannel, queue: string): Promise<Outcome> {
  const nacked: number[] = [];
  for (let first = 1; first <= COUNT; first += BATCH_SIZE) {
    const last = Math.min(first + BATCH_SIZE - 1, COUNT);
    const batch = range(first, last).map((n) => publish(channel, queue, n));
    const confirms = await withTimeout(Promise.all(batch));
    // A batch is confirmed as a whole: on a timeout, none of it counts as confirmed.
    if (confirms === "timeout") return { published: last, nacked, unconfirmed: range(first, last) };
    confirms.forEach((confirm, i) => confirm === "nack" && nacked.push(first + i));
  }
  return { published: COUNT, nacked, unconfirmed: [] };
}

async function publishAsynchronously(channel: ConfirmChannel, queue: string): Promise<Outcome> {
  // Delivery tags number a channel's publishes from 1, so message n has tag n here.
  const outstanding = new Map<number, number>(); // delivery tag -> message, to report or republish
  const nacked: number[] = [];
  const allConfirmed = Promise.withResolvers<void>();
  let publishing = true;

  const onConfirm = (confirm: Confirm) => (fields: { deliveryTag: number; multiple: boolean }) => {
    const settle = (tag: number) => {
      if (confirm === "nack") nacked.push(outstanding.get(tag)!);
      outstanding.delete(tag);
    };
    if (!fields.multiple) {
      if (outstanding.has(fields.deliveryTag)) settle(fields.deliveryTag);
    } else {
      // multiple: every outstanding tag up to deliveryTag (a Map keeps them in publishing order).
      for (const tag of outstanding.keys()) {
        if (tag > fields.deliveryTag) break;
        settle(tag);
      }
    }
    if (!publishing && outstanding.size === 0) allConfirmed.resolve();
  };
  channel.on("ack", onConfirm("ack"));
  channel.on("nack", onConfirm("nack"));

  for (let n = 1; n <= COUNT; n++) {
    outstanding.set(n, n);
    if (!channel.publish(EXCHANGE, queue, Buffer.from(String(n)), { mandatory: MANDATORY })) {
      // Backpressure: amqplib's write buffer is full; go on once it has drained. A broker
      // that has stopped reading (a resource alarm) never lets it drain: give up as for confirms.
      const drained = new Promise((resolve) => channel.once("drain", resolve));
      if (await withTimeout(drained) === "timeout") {
        return { published: n, nacked, unconfirmed: [...outstanding.values()] };
      }
    }
  }
  publishing = false;
  if (outstanding.size > 0 && await withTimeout(allConfirmed.promise) === "timeout") {
    return { published: COUNT, nacked, unconfirmed: [...outstanding.values()] };
  }
  return { published: COUNT, nacked, unconfirmed: [] };
}

const STRATEGIES = [
  { queue: "individually", done: "individually", run: publishIndividually },
  { queue: "batch", done: "in batch", run: publishInBatch },
  { queue: "async", done: "and handled confirms asynchronously", run: publishAsynchronously },
].filter((strategy) => values.strategy === undefined || strategy.queue === values.strategy);
if (STRATEGIES.length === 0) {
  throw new ProgramError(
    `Invalid value for --strategy: "${values.strategy}" is not one of individually, batch, async`,
    "usage",
  );
}

/** "5 messages (1, 2, 3, 4, 5)", or with the first and last of a long list. */
function listed(numbers: number[]): string {
  const shown = numbers.length <= 5
    ? numbers.join(", ")
    : `${numbers[0]}, ${numbers[1]}, ... ${numbers.at(-1)}`;
  return `${format(numbers.length)} message${numbers.length === 1 ? "" : "s"} (${shown})`;
}

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
// Ctrl+C: close the connection (its exclusive queues go with it) and exit 0.
closeOnSignal(connection);

/** Says what went wrong; the program goes on, and exits 1 at the end. */
function report(problem: string) {
  console.error(` [!] ${problem}`);
  Deno.exitCode = 1;
}

for (const strategy of STRATEGIES) {
  const queue = `${QUEUE_PREFIX}.${strategy.queue}`;
  const channel = await connection.createConfirmChannel();
  // Exclusive: this connection's own queue, gone when it closes even if we never get to delete it.
  await channel.assertQueue(queue, { exclusive: true, arguments: QUEUE_ARGUMENTS });
  const returned: Returned[] = [];
  channel.on("return", (msg: Returned) => returned.push(msg));

  const start = performance.now();
  const outcome = await strategy.run(channel, queue);
  const ms = performance.now() - start;
  if (outcome.unconfirmed.length) {
    // The broker has stopped answering (blocked by a resource alarm, or gone): stop here.
    const waited = `${format(CONFIRM_TIMEOUT_MS)} ms`;
    throw new ProgramError(
      ` [!] No confirm within ${waited} for ${listed(outcome.unconfirmed)}; giving up`,
    );
  }
  console.log(
    `Published ${format(outcome.published)} messages ${strategy.done} in ${format(ms)} ms`,
  );

  if (outcome.nacked.length) {
    report(`The broker nacked ${listed(outcome.nacked)}: it did not take them`);
  }
  if (returned.length) {
    const { replyCode, replyText, exchange, routingKey } = returned[0].fields;
    const why = `${replyCode} ${replyText}: exchange "${exchange}", routing key "${routingKey}"`;
    const numbers = returned.map((msg) => Number(msg.content.toString()));
    report(`${listed(numbers)} came back unroutable, though confirmed (${why})`);
  }
  // A confirm does not mean routed: the broker acks unroutable messages too. The queue tells.
  const routed = outcome.published - outcome.nacked.length - returned.length;
  const { messageCount } = await channel.checkQueue(queue);
  if (messageCount !== routed) {
    const hint = MANDATORY ? "" : "; publish with --mandatory to have unroutable messages returned";
    const holds = `The queue "${queue}" holds ${format(messageCount)} messages`;
    report(`${holds}, expected ${format(routed)}${hint}`);
  }

  await channel.deleteQueue(queue);
  await channel.close();
}

await connection.close();
