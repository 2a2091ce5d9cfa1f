/**
 * Reading the archive: prints the messages `deno task archive` stored in
 * archive.db, the oldest first (`--newest`: the newest first), with filters
 * on their timestamp and their author (`--author ada`: an author containing
 * "ada", in any case); `--json` prints them as a JSON array (the body as
 * text, or as base64 when it is not UTF-8), for scripts. It reads the
 * database only: it talks to no broker.
 *
 * Run:   deno task archive:query --since 7d --author microjoe
 *        deno task archive:query --newest --limit 5
 * Needs: --allow-read and --allow-write (the database, and SQLite's -wal and -shm files beside it)
 */
import { Buffer } from "node:buffer";
import { ArchiveDb, type ArchivedMessage } from "../lib/archive/archive_db.ts";
import { cli } from "../lib/cli.ts";
import { archiveFilter, FILTER_OPTIONS } from "../lib/archive/filter.ts";

const { values } = cli("archive:query", {
  summary: "Print the archived messages, the oldest first (or the newest first)",
  options: {
    ...FILTER_OPTIONS,
    newest: { type: "boolean", description: "the newest first (with --limit: the newest ones)" },
    json: { type: "boolean", description: "print a JSON array" },
  },
  noBroker: true,
});

const filter = { ...archiveFilter(values), newest: values.newest };
const db = ArchiveDb.openExisting(values.db);
const found = db.query(filter);
db.close();

/** A message as one line: its time, where it was published, and what it holds. */
function line(msg: ArchivedMessage): string {
  const time = msg.timestamp.toISOString().replace(".000Z", "Z");
  const where = msg.routingKey ? `${msg.exchange} ${msg.routingKey}` : msg.exchange;
  let what: string;
  if (msg.author !== null || msg.name !== null) {
    what = `"${msg.name}" by ${msg.author}${msg.date ? ` (${msg.date})` : ""}`;
  } else if (typeof msg.body === "string") {
    const kind = msg.json ? "JSON" : `not JSON${msg.contentType ? `, ${msg.contentType}` : ""}`;
    what = `${kind}: ${
      JSON.stringify(msg.body.length > 80 ? `${msg.body.slice(0, 80)}…` : msg.body)
    }`;
  } else {
    what = `${msg.body.length} bytes, not UTF-8${msg.contentType ? `, ${msg.contentType}` : ""}`;
  }
  return `${time}  ${where}  ${what}`;
}

if (values.json) {
  const rows = found.map(({ body, ...msg }) =>
    typeof body === "string"
      ? { ...msg, body }
      : { ...msg, bodyBase64: Buffer.from(body).toString("base64") }
  );
  console.log(JSON.stringify(rows, null, 2));
} else {
  for (const msg of found) console.log(line(msg));
  console.log(`${found.length} message(s) in ${values.db}`);
}
