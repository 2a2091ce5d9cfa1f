/**
 * The archive of the posts (the first source article's answer to "a
 * subscriber that is not listening misses the post for good"): a service
 * with its own durable quorum queue, "reddit.archive", bound to the fanout
 * exchange "reddit", so posts published while it is stopped wait for it. It
 * stores every message in SQLite (archive.db) and acks it only once the row
 * is committed: killed at any moment, it loses nothing, and the broker's
 * redelivery of what it had not acked is stored once (by message id, else
 * by a hash of the content). A body that is not JSON is stored as is. It
 * keeps 30 days of messages (--keep), pruning by their timestamp.
 *
 * Run:   deno task archive        (then `deno task archive:query`, `deno task archive:replay`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read and --allow-write (the database;
 *        TLS files, if any)
 */
import amqp from "amqplib";
import { ArchiveDb } from "../lib/archive/archive_db.ts";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";
import { parseDuration } from "../lib/archive/duration.ts";
import { ProgramError } from "../lib/program_error.ts";
import { checkRoutingKey } from "../lib/routing.ts";

const { brokers, values } = cli("archive", {
  summary: 'Store every message of the exchange "reddit" in SQLite, through a queue of its own',
  options: {
    exchange: "reddit",
    type: { default: "fanout", description: "the exchange's type: fanout, direct or topic" },
    "binding-key": { description: "binding key, for a direct or topic exchange (topic: #)" },
    queue: {
      description: 'the archive\'s own durable queue (default: EXCHANGE.archive, "reddit.archive")',
    },
    db: { default: "archive.db", description: "the SQLite database file" },
    keep: {
      default: "30d",
      description: "how long to keep messages, by their timestamp: 12h, 30d",
    },
  },
  consumer: true,
});
const EXCHANGE = values.exchange;
const TYPE = values.type;
if (!["fanout", "direct", "topic"].includes(TYPE)) {
  throw new ProgramError(`Invalid --type "${TYPE}": expected fanout, direct or topic`, "usage");
}
if (TYPE === "direct" && values["binding-key"] === undefined) {
  throw new ProgramError(
    "A direct exchange needs --binding-key: the routing key to archive",
    "usage",
  );
}
const BINDING_KEY = checkRoutingKey(values["binding-key"] ?? (TYPE === "topic" ? "#" : ""));
const QUEUE = values.queue ?? `${EXCHANGE}.archive`;
const KEEP_MS = parseDuration("keep", values.keep);
const PRUNE_EVERY_MS = Math.min(3_600_000, KEEP_MS / 10); // every hour, or more often for a short window
// Messages on their way to the archive at once; each is acked as soon as its row is committed.
const PREFETCH = 100;

/** Opens the database, prunes it now and then every PRUNE_EVERY_MS, and says what it holds. */
function openArchive(): ArchiveDb {
  const db = ArchiveDb.open(values.db);
  const prune = () => {
    const before = new Date(Date.now() - KEEP_MS);
    const pruned = db.prune(before);
    if (pruned > 0) {
      console.log(
        ` [-] Pruned ${pruned} message(s) older than ${before.toISOString()} (--keep ${values.keep})`,
      );
    }
  };
  prune();
  setInterval(prune, PRUNE_EVERY_MS);
  const { messages, notJson } = db.counts();
  console.log(
    ` [*] Archiving "${EXCHANGE}" into ${values.db}: ${messages} message(s), ${notJson} not JSON; keeping ${values.keep}`,
  );
  return db;
}
let archive: ArchiveDb | undefined; // opened once connected: a broker it cannot reach leaves no file

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  await channel.assertExchange(EXCHANGE, TYPE, { durable: false });
  // Its own durable quorum queue: unlike a subscriber's exclusive queue, it outlives the
  // archive, so the posts published while the archive is stopped wait in it.
  await channel.assertQueue(QUEUE, { durable: true, arguments: { "x-queue-type": "quorum" } });
  await channel.bindQueue(QUEUE, EXCHANGE, BINDING_KEY);
  await channel.prefetch(PREFETCH);
  // Opened before anything is consumed: one it cannot open or write is an exit, with no ack.
  const db = archive ??= openArchive();

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  await channel.consume(QUEUE, (msg) => {
    if (!msg) return queueDeleted(QUEUE); // the queue was deleted while we consume
    const { added, json, post } = db.store(msg); // committed when it returns; throws if it cannot
    const what = post
      ? `"${post.name}" by ${post.author}`
      : json
      ? `a JSON message of ${msg.content.length} bytes`
      : `a message that is not JSON, stored as is (${msg.content.length} bytes${
        msg.properties.contentType ? `, ${msg.properties.contentType}` : ""
      }; ${db.counts().notJson} in the archive)`;
    console.log(added ? ` [x] Archived ${what}` : ` [=] Already archived ${what}`);
    // Ack only now: if the archive dies before this line, the broker redelivers the message
    // and store() finds it already there.
    channel.ack(msg);
  }, { noAck: false });
  return connection;
});
