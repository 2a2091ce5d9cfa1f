/**
 * The bare amqplib loops of `deno task publisher_confirms`'s job, for the
 * bench: the three strategies of tutorial 7 with amqplib and nothing else,
 * each on a fresh confirm channel and its own exclusive queue, timed from the
 * first publish to the last confirm, with the program's output lines. Then,
 * like the program, each checks that its queue holds every message, and
 * deletes it. The bench runs this file on Node.js (the reference runtime of
 * amqplib) and on Deno.
 *
 *   individually    publish one message, wait for its confirm, then the next;
 *   in batch        publish BATCH_SIZE messages, waitForConfirms(), repeat;
 *   asynchronously  publish without waiting (pausing on backpressure until
 *                   "drain"), count the confirms as their callbacks come.
 *
 * Run:   COUNT=50000 node bench/peers/publisher_confirms.mjs
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import process from "node:process";

const url = process.env.AMQP_URL || "amqp://localhost";
const COUNT = Number(process.env.COUNT || 50_000);
const BATCH_SIZE = Number(process.env.BATCH_SIZE || 100);
const QUEUE_PREFIX = process.env.QUEUE || "publisher_confirms";

const format = (n) => Math.round(n).toLocaleString("en-US");

function publishOne(channel, queue, n) {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, Buffer.from(String(n)), {}, (error) => {
      if (error) reject(new Error(`The broker nacked message ${n}`));
      else resolve();
    });
  });
}

async function publishIndividually(channel, queue) {
  for (let n = 1; n <= COUNT; n++) await publishOne(channel, queue, n);
}

async function publishInBatch(channel, queue) {
  for (let first = 1; first <= COUNT; first += BATCH_SIZE) {
    const last = Math.min(first + BATCH_SIZE - 1, COUNT);
    for (let n = first; n <= last; n++) channel.sendToQueue(queue, Buffer.from(String(n)));
    await channel.waitForConfirms();
  }
}

function publishAsynchronously(channel, queue) {
  return new Promise((resolve, reject) => {
    let confirmed = 0;
    const onConfirm = (error) => {
      if (error) reject(new Error("The broker nacked a message"));
      else if (++confirmed === COUNT) resolve();
    };
    (async () => {
      for (let n = 1; n <= COUNT; n++) {
        if (!channel.sendToQueue(queue, Buffer.from(String(n)), {}, onConfirm)) {
          await new Promise((drained) => channel.once("drain", drained));
        }
      }
    })().catch(reject);
  });
}

const STRATEGIES = [
  { queue: "individually", done: "individually", run: publishIndividually },
  { queue: "batch", done: "in batch", run: publishInBatch },
  { queue: "async", done: "and handled confirms asynchronously", run: publishAsynchronously },
];

const connection = await amqp.connect(url, { noDelay: true });
for (const strategy of STRATEGIES) {
  const queue = `${QUEUE_PREFIX}.${strategy.queue}`;
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { exclusive: true });
  const start = performance.now();
  await strategy.run(channel, queue);
  const ms = performance.now() - start;
  console.log(`Published ${format(COUNT)} messages ${strategy.done} in ${format(ms)} ms`);
  const { messageCount } = await channel.checkQueue(queue);
  if (messageCount !== COUNT) {
    console.error(`The queue "${queue}" holds ${format(messageCount)} messages, expected ${COUNT}`);
    process.exitCode = 1;
  }
  await channel.deleteQueue(queue);
  await channel.close();
}
await connection.close();
