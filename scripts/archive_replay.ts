/**
 * Replaying the archive: publishes the messages `deno task archive` stored
 * since a time again, in their order, with their original properties and a
 * header "x-replayed-at", so that a subscriber that was down catches up.
 * They go to the exchange each came from (every subscriber gets them again;
 * the archive, which has them already, stores them once), or with
 * --to-queue to one queue only. Publisher confirms: when it says "Replayed",
 * the broker has them all.
 *
 * Run:   deno task archive:replay --since 1h          (or --to-queue QUEUE)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read and --allow-write (the database)
 */
import amqp, { type Options } from "amqplib";
import { Buffer } from "node:buffer";
import { ArchiveDb } from "../lib/archive/archive_db.ts";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { archiveFilter, FILTER_OPTIONS } from "../lib/archive/filter.ts";
import { ProgramError } from "../lib/program_error.ts";

const { brokers, values } = cli("archive:replay", {
  summary: "Publish the archived messages since a time again, to their exchange or to a queue",
  options: {
    ...FILTER_OPTIONS,
    since: { description: `required: ${FILTER_OPTIONS.since.description}` },
    limit: { description: "at most this many messages, the oldest first" },
    "to-queue": { description: "publish to this queue only (through the default exchange)" },
  },
});
if (values.since === undefined) {
  throw new ProgramError(
    "Missing --since: which messages to replay, e.g. --since 1h. Usage: deno task archive:replay --since TIME [options] (--help for more)",
    "usage",
  );
}
const filter = archiveFilter(values);
const TO_QUEUE = values["to-queue"];
// Says it is a replay, and when: a consumer can tell it from the original.
const REPLAY_HEADER = "x-replayed-at";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createConfirmChannel();

const db = ArchiveDb.openExisting(values.db);
const messages = db.query(filter);
db.close();

// Only to what exists: a message sent to a missing queue or exchange would be lost.
if (TO_QUEUE !== undefined) await channel.checkQueue(TO_QUEUE);
const exchanges = [...new Set(messages.map((msg) => msg.exchange))];
if (TO_QUEUE === undefined) {
  for (const exchange of exchanges) await channel.checkExchange(exchange);
}

// mandatory: the broker returns a message that reaches no queue, before it confirms it.
let unroutable = 0;
channel.on("return", () => unroutable++);
const replayedAt = new Date().toISOString();
for (const msg of messages) {
  // userId must be the publishing user's, or the broker refuses the message.
  const { userId: _, ...properties } = msg.properties as Options.Publish;
  const options = {
    ...properties,
    headers: { ...msg.headers, [REPLAY_HEADER]: replayedAt },
    mandatory: true,
  };
  const content = Buffer.from(msg.body);
  const sent = TO_QUEUE !== undefined
    ? channel.sendToQueue(TO_QUEUE, content, options)
    : channel.publish(msg.exchange, msg.routingKey, content, options);
  if (!sent) await new Promise((resolve) => channel.once("drain", resolve));
}
await channel.waitForConfirms(); // every message confirmed, or it throws

const to = TO_QUEUE !== undefined
  ? `the queue "${TO_QUEUE}"`
  : exchanges.map((exchange) => `"${exchange}"`).join(", ") || "their exchange";
const lost = unroutable > 0 ? `; ${unroutable} of them reached no queue (none is bound)` : "";
console.log(
  ` [x] Replayed ${messages.length} message(s) since ${
    filter.since!.toISOString()
  } to ${to}${lost}`,
);

await channel.close();
await connection.close();
