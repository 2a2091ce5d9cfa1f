/**
 * The archive's SQLite database (`node:sqlite`, built into Deno): one row
 * per message, stored once, kept for a window of time.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { ProgramError } from "../program_error.ts";

/** What {@link ArchiveDb.store} needs of a message: amqplib's `ConsumeMessage` has it. */
export interface IncomingMessage {
  fields: { exchange: string; routingKey: string };
  // deno-lint-ignore no-explicit-any
  properties: { messageId?: string; timestamp?: number; contentType?: string; headers?: any };
  content: Uint8Array;
}

/** The fields of a JSON post ({name, date, author}), as the archive keeps them in columns. */
export interface PostFields {
  name: string | null;
  date: string | null;
  author: string | null;
}

/** What {@link ArchiveDb.store} did with a message. */
export interface Stored {
  /** False when the message was in the archive already (a redelivery, or a replay). */
  added: boolean;
  /** Whether the body is JSON; a body that is not is stored as is. */
  json: boolean;
  /** The post's fields, for a JSON body with any of them. */
  post?: PostFields;
}

/** One archived message, as {@link ArchiveDb.query} returns it. */
export interface ArchivedMessage extends PostFields {
  /** The row's number: the order in which the archive received the messages. */
  id: number;
  exchange: string;
  routingKey: string;
  messageId: string | null;
  /** The message's `timestamp` property, else the time it reached the archive. */
  timestamp: Date;
  arrivedAt: Date;
  contentType: string | null;
  headers: Record<string, unknown> | null;
  /** Every property the message was published with (`contentType`, `headers`, ...). */
  properties: Record<string, unknown>;
  /** The body: text when it is UTF-8, bytes otherwise. */
  body: string | Uint8Array;
  json: boolean;
}

/** Which messages {@link ArchiveDb.query} returns: all of them by default. */
export interface ArchiveFilter {
  /** From this time on (by the message's timestamp, included). */
  since?: Date;
  /** Before this time (excluded). */
  until?: Date;
  /**
   * Only the posts whose author contains this text, in any case: `ada`
   * matches "Ada" and "Adam", `æ¢v` matches "MicroJoe UTF-8 Æ¢V→".
   */
  author?: string;
  /** The newest first (default: the oldest first). */
  newest?: boolean;
  /** At most this many, the first ones in that order. */
  limit?: number;
}

/** How long a write waits for another program's write to finish before it fails. */
const BUSY_TIMEOUT_MS = 5_000;

// `body` is declared BLOB, which in SQLite means "store each value as it comes": text stays
// TEXT (readable in any SQLite tool), bytes stay a BLOB.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    id           INTEGER PRIMARY KEY,
    dedupe_key   TEXT NOT NULL UNIQUE,  -- 'id:' + message id, else 'sha256:' + a hash of the content
    exchange     TEXT NOT NULL,
    routing_key  TEXT NOT NULL,
    message_id   TEXT,
    timestamp    INTEGER NOT NULL,      -- ms since 1970: the timestamp property, else arrived_at
    arrived_at   INTEGER NOT NULL,
    content_type TEXT,
    headers      TEXT,                  -- JSON
    properties   TEXT NOT NULL,         -- JSON: every property, for a replay
    body         BLOB NOT NULL,         -- TEXT when UTF-8, else BLOB
    is_json      INTEGER NOT NULL,
    name         TEXT,                  -- a JSON post's fields
    date         TEXT,
    author       TEXT
  );
  CREATE INDEX IF NOT EXISTS messages_by_timestamp ON messages (timestamp);
  CREATE INDEX IF NOT EXISTS messages_by_author ON messages (author);
`;

/** The body as text if it is valid UTF-8 (a byte-order mark kept), else `undefined`. */
function utf8(content: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(content);
  } catch {
    return undefined;
  }
}

/** A post's fields from a parsed JSON body, or `undefined` when it has none of them. */
function postFields(data: unknown): PostFields | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const record = data as Record<string, unknown>;
  const field = (key: string) => typeof record[key] === "string" ? record[key] as string : null;
  const post = { name: field("name"), date: field("date"), author: field("author") };
  return Object.values(post).some((value) => value !== null) ? post : undefined;
}

/** The sentence for a failed database call: `doing` says what failed. */
function databaseError(path: string, doing: string, error: unknown): ProgramError {
  const reason = (error as Error).message.replace(
    /: [^:]*$/,
    (tail) => tail.includes(path) ? "" : tail,
  );
  const fix = /unable to open/.test(reason)
    ? "; check that its folder exists and that you may write there"
    : /locked|busy/.test(reason)
    ? "; another program is writing to it (another archive on the same file?)"
    : /not a database/.test(reason)
    ? "; give another file with --db"
    : "";
  return new ProgramError(`Cannot ${doing} the archive database "${path}": ${reason}${fix}`);
}

/**
 * The archive's database: a file of its own (`archive.db` by default) with
 * one table, `messages`. Every method commits before it returns, and
 * throws a {@link ProgramError} whose message is one sentence when the
 * database cannot be opened or written.
 *
 * @example
 * ```ts
 * const db = ArchiveDb.open("archive.db");
 * await channel.consume(queue, (msg) => {
 *   if (msg) db.store(msg); // committed: the message can be acked now
 * });
 * ```
 */
export class ArchiveDb {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
    // SQLite's own lower() and LIKE fold ASCII letters only: "Æ" and "æ" would differ.
    db.function(
      "contains_text",
      { deterministic: true },
      (text, part) =>
        typeof text === "string" && typeof part === "string" &&
          text.toLowerCase().includes(part.toLowerCase())
          ? 1
          : 0,
    );
    this.#insert = db.prepare(`
      INSERT OR IGNORE INTO messages (dedupe_key, exchange, routing_key, message_id, timestamp,
        arrived_at, content_type, headers, properties, body, is_json, name, date, author)
      VALUES (:dedupe_key, :exchange, :routing_key, :message_id, :timestamp,
        :arrived_at, :content_type, :headers, :properties, :body, :is_json, :name, :date, :author)
    `);
  }

  /**
   * Opens an archive that must exist already (to read it): one that is not
   * there is a mistake (a typo, another folder), not an empty archive.
   */
  static openExisting(path: string): ArchiveDb {
    try {
      Deno.statSync(path);
    } catch {
      throw new ProgramError(
        `No archive at "${path}": run "deno task archive" first, or check --db`,
      );
    }
    return ArchiveDb.open(path);
  }

  /**
   * Opens the database at `path`, creating the file and its table if need
   * be. Writes are durable when they return: SQLite's write-ahead log,
   * synced on every commit.
   */
  static open(path: string): ArchiveDb {
    try {
      const db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
      db.exec(SCHEMA);
      return new ArchiveDb(path, db);
    } catch (error) {
      throw databaseError(path, "open", error);
    }
  }

  /**
   * Stores a message, once: a message id already in the archive (or, for a
   * message without an id, the same content: exchange, routing key,
   * timestamp and body) is not stored again. Returns when the row is
   * committed.
   */
  store(msg: IncomingMessage, arrivedAt: Date = new Date()): Stored {
    const { exchange, routingKey } = msg.fields;
    const { messageId, timestamp, contentType, headers } = msg.properties;
    const text = utf8(msg.content);
    let json = false;
    let data: unknown;
    if (text !== undefined) {
      try {
        data = JSON.parse(text);
        json = true;
      } catch {
        // not JSON: stored as is
      }
    }
    const post = json ? postFields(data) : undefined;
    const dedupeKey = messageId ? `id:${messageId}` : `sha256:${
      createHash("sha256")
        .update(JSON.stringify([exchange, routingKey, timestamp ?? null]))
        .update(msg.content)
        .digest("hex")
    }`;
    try {
      const { changes } = this.#insert.run({
        dedupe_key: dedupeKey,
        exchange,
        routing_key: routingKey,
        message_id: messageId ?? null,
        // AMQP timestamps are whole seconds.
        timestamp: typeof timestamp === "number" ? timestamp * 1000 : arrivedAt.getTime(),
        arrived_at: arrivedAt.getTime(),
        content_type: contentType ?? null,
        headers: headers && Object.keys(headers).length > 0 ? JSON.stringify(headers) : null,
        properties: JSON.stringify(msg.properties),
        body: text ?? msg.content,
        is_json: json ? 1 : 0,
        name: post?.name ?? null,
        date: post?.date ?? null,
        author: post?.author ?? null,
      });
      return { added: changes > 0, json, ...(post ? { post } : {}) };
    } catch (error) {
      throw databaseError(this.path, "write to", error);
    }
  }

  /** Deletes the messages whose timestamp is before `before`; returns how many. */
  prune(before: Date): number {
    try {
      const { changes } = this.#db.prepare("DELETE FROM messages WHERE timestamp < ?")
        .run(before.getTime());
      return Number(changes);
    } catch (error) {
      throw databaseError(this.path, "prune", error);
    }
  }

  /** How many messages the archive holds, and how many of them are not JSON. */
  counts(): { messages: number; notJson: number } {
    const row = this.#db.prepare(
      "SELECT count(*) AS messages, count(*) - coalesce(sum(is_json), 0) AS notJson FROM messages",
    ).get() as { messages: number; notJson: number };
    return { messages: row.messages, notJson: row.notJson };
  }

  /**
   * The messages that match `filter`, the oldest first (by timestamp, then
   * arrival), or the newest first.
   */
  query(filter: ArchiveFilter = {}): ArchivedMessage[] {
    const order = filter.newest ? "timestamp DESC, id DESC" : "timestamp, id";
    const rows = this.#db.prepare(`
      SELECT * FROM messages
      WHERE timestamp >= :since AND timestamp < :until
        AND (:author IS NULL OR contains_text(author, :author))
      ORDER BY ${order}
      LIMIT :limit
    `).all({
      since: filter.since?.getTime() ?? Number.MIN_SAFE_INTEGER,
      until: filter.until?.getTime() ?? Number.MAX_SAFE_INTEGER,
      author: filter.author ?? null,
      limit: filter.limit ?? -1,
    }) as Record<string, string | number | Uint8Array | null>[];
    return rows.map((row) => ({
      id: row.id as number,
      exchange: row.exchange as string,
      routingKey: row.routing_key as string,
      messageId: row.message_id as string | null,
      timestamp: new Date(row.timestamp as number),
      arrivedAt: new Date(row.arrived_at as number),
      contentType: row.content_type as string | null,
      headers: row.headers === null ? null : JSON.parse(row.headers as string),
      properties: JSON.parse(row.properties as string),
      body: typeof row.body === "string" ? row.body : Buffer.from(row.body as Uint8Array),
      json: row.is_json === 1,
      name: row.name as string | null,
      date: row.date as string | null,
      author: row.author as string | null,
    }));
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }
}
