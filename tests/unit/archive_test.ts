/**
 * Unit tests of the archive's lib without a broker: lib/archive/archive_db.ts on a
 * temporary database file (storing once, UTF-8 and bytes, the window,
 * filters) and lib/archive/duration.ts.
 */
import assert from "node:assert/strict";
import {
  ArchiveDb,
  type ArchiveDb as Db,
  type IncomingMessage,
} from "../../lib/archive/archive_db.ts";
import { parseDuration, parseTime } from "../../lib/archive/duration.ts";
import { ProgramError } from "../../lib/program_error.ts";

const UTF8_AUTHOR = "MicroJoe UTF-8 Æ¢V→−≠É–È„⋅®…";
const DAY = 86_400_000;

async function withDb(fn: (db: Db, path: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "archive_unit_" });
  const path = `${dir}/archive.db`;
  const db = ArchiveDb.open(path);
  try {
    await fn(db, path);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function message(body: string | Uint8Array, properties: IncomingMessage["properties"] = {}) {
  return {
    fields: { exchange: "reddit", routingKey: "" },
    properties,
    content: typeof body === "string" ? new TextEncoder().encode(body) : body,
  };
}

function post(name: string, author: string, at: Date, messageId?: string) {
  const body = JSON.stringify({ name, date: at.toISOString(), author });
  return message(body, {
    contentType: "application/json",
    messageId,
    timestamp: Math.floor(at.getTime() / 1000),
  });
}

Deno.test("ArchiveDb stores a JSON post with its fields in columns, UTF-8 intact", () =>
  withDb((db) => {
    const at = new Date("2026-11-01T09:15:00Z");
    const stored = db.store(post("Ünïcode — ok", UTF8_AUTHOR, at, "id-1"));
    assert.deepEqual(stored, {
      added: true,
      json: true,
      post: { name: "Ünïcode — ok", date: at.toISOString(), author: UTF8_AUTHOR },
    });
    const [row] = db.query({ author: UTF8_AUTHOR });
    assert.equal(row.author, UTF8_AUTHOR);
    assert.equal(row.messageId, "id-1");
    assert.equal(row.timestamp.toISOString(), at.toISOString());
    assert.equal(row.contentType, "application/json");
    assert.equal(typeof row.body, "string");
    assert.equal(JSON.parse(row.body as string).author, UTF8_AUTHOR);
  }));

Deno.test("ArchiveDb stores a message once: by its message id, else by its content", () =>
  withDb((db) => {
    const at = new Date();
    assert.equal(db.store(post("a", "x", at, "same-id")).added, true);
    assert.equal(db.store(post("b, another body", "x", at, "same-id")).added, false);
    assert.equal(db.store(message("no id")).added, true);
    assert.equal(db.store(message("no id")).added, false);
    assert.equal(db.store(message("no id, other text")).added, true);
    assert.equal(db.counts().messages, 3);
  }));

Deno.test("ArchiveDb stores a body that is not JSON as is: text as text, bytes as bytes", () =>
  withDb((db) => {
    const bytes = new Uint8Array([0xff, 0x00, 0x01, 0xfe]);
    assert.deepEqual(db.store(message("plain text", { contentType: "text/plain" })), {
      added: true,
      json: false,
    });
    assert.deepEqual(db.store(message(bytes)), { added: true, json: false });
    // A byte-order mark is kept: the body comes back byte for byte (and JSON.parse refuses it).
    db.store(message("\uFEFF{}"));
    const [text, binary, bom] = db.query();
    assert.equal(text.body, "plain text");
    assert.equal(text.json, false);
    assert.deepEqual(new Uint8Array(binary.body as Uint8Array), bytes);
    assert.equal(bom.body, "\uFEFF{}");
    assert.deepEqual(db.counts(), { messages: 3, notJson: 3 });
  }));

Deno.test("ArchiveDb: timestamp from the property, else arrival; prune by it; query oldest first", () =>
  withDb((db) => {
    const now = new Date("2026-11-30T12:00:00Z");
    db.store(post("new", "a", new Date(now.getTime() - 1 * DAY), "n"), now);
    db.store(post("old", "a", new Date(now.getTime() - 40 * DAY), "o"), now);
    db.store(message("arrived now, no timestamp"), now);
    assert.deepEqual(db.query().map((row) => row.name ?? row.body), [
      "old",
      "new",
      "arrived now, no timestamp",
    ]);
    assert.equal(db.prune(new Date(now.getTime() - 30 * DAY)), 1);
    assert.deepEqual(db.query().map((row) => row.name ?? row.body), [
      "new",
      "arrived now, no timestamp",
    ]);
    const since = db.query({ since: new Date(now.getTime() - 2 * DAY), until: now, limit: 5 });
    assert.deepEqual(since.map((row) => row.name), ["new"]);
    assert.equal(db.query({ limit: 1 }).length, 1);
  }));

Deno.test("ArchiveDb.query: --newest gives the newest first, and with a limit the newest ones", () =>
  withDb((db) => {
    const now = new Date("2026-11-30T12:00:00Z");
    for (const [i, name] of ["first", "second", "third"].entries()) {
      db.store(post(name, "a", new Date(now.getTime() + i * 60_000), name));
    }
    // Two posts in the same second (AMQP timestamps are whole seconds): by arrival, reversed.
    db.store(post("fourth", "a", new Date(now.getTime() + 2 * 60_000 + 100), "fourth"));
    const names = (filter: Parameters<Db["query"]>[0]) => db.query(filter).map((row) => row.name);
    assert.deepEqual(names({}), ["first", "second", "third", "fourth"]);
    assert.deepEqual(names({ newest: true }), ["fourth", "third", "second", "first"]);
    assert.deepEqual(names({ newest: true, limit: 2 }), ["fourth", "third"]);
    assert.deepEqual(names({ limit: 2 }), ["first", "second"]);
  }));

Deno.test("ArchiveDb.query --author: the authors containing the text, in any case, UTF-8 too", () =>
  withDb((db) => {
    const at = new Date("2026-11-30T12:00:00Z");
    db.store(post("by Ada", "Ada", at, "1"));
    db.store(post("by Adam", "Adam", at, "2"));
    db.store(post("by MicroJoe", UTF8_AUTHOR, at, "3"));
    db.store(message("not a post, no author"));
    const names = (author: string) => db.query({ author }).map((row) => row.name);
    assert.deepEqual(names("Ada"), ["by Ada", "by Adam"]);
    assert.deepEqual(names("ADAM"), ["by Adam"]);
    assert.deepEqual(names("microjoe"), ["by MicroJoe"]);
    assert.deepEqual(names("æ¢v→"), ["by MicroJoe"]); // Æ¢V→ in the author: not ASCII, any case
    assert.deepEqual(names(UTF8_AUTHOR), ["by MicroJoe"]);
    assert.deepEqual(names("nobody"), []);
  }));

Deno.test("ArchiveDb.open on a path it cannot create is one sentence", async () => {
  const file = await Deno.makeTempFile();
  try {
    assert.throws(
      () => ArchiveDb.open(`${file}/archive.db`),
      (error: unknown) =>
        error instanceof ProgramError &&
        error.message ===
          `Cannot open the archive database "${file}/archive.db": unable to open database file; check that its folder exists and that you may write there`,
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("parseDuration reads minutes, hours and days, and nothing else", () => {
  assert.equal(parseDuration("keep", "30d"), 30 * DAY);
  assert.equal(parseDuration("keep", "12h"), 12 * 3_600_000);
  assert.equal(parseDuration("keep", "90m"), 90 * 60_000);
  for (const bad of ["", "30", "0d", "-1d", "1.5d", "1w", "d"]) {
    assert.throws(() => parseDuration("keep", bad), ProgramError, bad);
  }
});

Deno.test("parseTime reads a date (UTC), a date and time, or a while ago", () => {
  const now = new Date("2026-11-30T12:00:00Z");
  assert.equal(parseTime("since", "2026-11-01").toISOString(), "2026-11-01T00:00:00.000Z");
  assert.equal(parseTime("since", "2026-11-01T09:30").toISOString(), "2026-11-01T09:30:00.000Z");
  assert.equal(
    parseTime("since", "2026-11-01T09:30+02:00").toISOString(),
    "2026-11-01T07:30:00.000Z",
  );
  assert.equal(parseTime("since", "1h", now).toISOString(), "2026-11-30T11:00:00.000Z");
  assert.equal(parseTime("since", "7d", now).toISOString(), "2026-11-23T12:00:00.000Z");
  for (const bad of ["yesterday", "2026-13-45", "1w", ""]) {
    assert.throws(() => parseTime("since", bad), ProgramError, bad);
  }
});
