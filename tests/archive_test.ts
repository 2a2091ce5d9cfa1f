/**
 * The archive against the real broker, each test on its own exchange (and
 * so its own queue, EXCHANGE.archive) and a temporary database file.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { DatabaseSync } from "node:sqlite";
import amqp, { type Options } from "amqplib";
import { ArchiveDb, type ArchivedMessage } from "../lib/archive/archive_db.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  closeConnectionsConsuming,
  deleteExchanges,
  deleteQueues,
  ended,
  ENV,
  eventually,
  getOne,
  KILLED,
  type Program,
  runTask,
  startReady,
  stopped,
  test,
  testDir,
  testQueue,
  uniqueName,
  waitForDepth,
  withChannel,
} from "./_helpers.ts";

const UTF8_AUTHOR = "MicroJoe UTF-8 Æ¢V→−≠É–È„⋅®…";
const DAY = 86_400_000;

/** A database file in a temporary folder, removed with the folder at scope exit. */
async function testDb() {
  const dir = await testDir("archive_test_");
  return Object.assign(dir, { dir: dir.path, path: `${dir.path}/archive.db` });
}

/**
 * An exchange of the test's own and the archive's queue for it
 * (`EXCHANGE.archive`), both deleted at scope exit.
 */
function testArchiveExchange() {
  const name = uniqueName("reddit");
  const queue = `${name}.archive`;
  return Object.assign(
    atExit(async () => {
      await deleteQueues(queue);
      await deleteExchanges(name);
    }),
    { name, queue },
  );
}

function startArchive(exchange: string, db: string, args: string[] = []) {
  return startReady("archive", ["--exchange", exchange, "--db", db, ...args], WAITING);
}

/** The archived messages, as the archive's lib reads them. */
function archived(db: string): ArchivedMessage[] {
  const archive = ArchiveDb.open(db);
  try {
    return archive.query();
  } finally {
    archive.close();
  }
}

/** A post as emit_post sends it: JSON, with a message id and a timestamp (whole seconds). */
function post(name: string, author = "MicroJoe", at = new Date()) {
  return {
    body: JSON.stringify({ name, date: at.toISOString(), author }),
    options: {
      contentType: "application/json",
      messageId: crypto.randomUUID(),
      timestamp: Math.floor(at.getTime() / 1000),
    } as Options.Publish,
  };
}

/** Publishes to the exchange and waits for the broker's confirms. */
async function publish(
  exchange: string,
  messages: { body: string | Uint8Array; options?: Options.Publish }[],
): Promise<void> {
  const connection = await amqp.connect(BROKER_URL, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    for (const { body, options } of messages) {
      channel.publish(exchange, "", Buffer.from(body), options);
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

const archivedLines = (archive: Program) =>
  archive.stdout.filter((line) => line.startsWith(" [x] Archived"));

test("archive.ts stores the posts published while it was stopped; archive:query --author finds them, UTF-8 intact", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  await using first = await startArchive(exchange.name, db.path);
  // Stopped: its queue stays, bound to the exchange, and keeps what is published meanwhile.
  assertExit(await stopped(first), 0);
  for (
    const [name, author] of [
      ["Ünïcode — ok", UTF8_AUTHOR],
      ["Someone else's post", "Ada"],
      ["A second post", UTF8_AUTHOR],
    ]
  ) {
    const sent = await runTask(
      "emit_post",
      ["--exchange", exchange.name, "--author", author, name],
      { env: ENV },
    );
    assertExit(sent, 0);
  }
  await using archive = await startArchive(exchange.name, db.path);
  await archive.waitFor("[x] Archived", { count: 3 });
  assert.deepEqual(archivedLines(archive), [
    ` [x] Archived "Ünïcode — ok" by ${UTF8_AUTHOR}`,
    ` [x] Archived "Someone else's post" by Ada`,
    ` [x] Archived "A second post" by ${UTF8_AUTHOR}`,
  ]);
  assertExit(await stopped(archive), 0);

  const query = await runTask("archive:query", ["--db", db.path, "--author", UTF8_AUTHOR], {
    env: ENV,
  });
  assertExit(query, 0);
  assert.equal(query.stdout.length, 3, query.stdout.join("\n"));
  assert.match(
    query.stdout[0],
    new RegExp(
      `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  ${exchange.name}  "Ünïcode — ok" by ${UTF8_AUTHOR} \\(`,
    ),
  );
  assert.match(query.stdout[1], new RegExp(`  "A second post" by ${UTF8_AUTHOR} \\(`));
  assert.equal(query.stdout[2], `2 message(s) in ${db.path}`);

  const json = await runTask(
    "archive:query",
    ["--db", db.path, "--author", UTF8_AUTHOR, "--json"],
    { env: ENV },
  );
  const rows = JSON.parse(json.stdout.join("\n"));
  assert.deepEqual(rows.map((row: ArchivedMessage) => [row.name, row.author]), [
    ["Ünïcode — ok", UTF8_AUTHOR],
    ["A second post", UTF8_AUTHOR],
  ]);
  assert.equal(JSON.parse(rows[0].body).author, UTF8_AUTHOR);
  assert.equal(rows[0].contentType, "application/json");
  assert.match(rows[0].messageId, /^[0-9a-f-]{36}$/);
});

test("archive.ts killed with kill -9 while 1,000 posts stream in, started again: exactly 1,000 rows", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  await using killed = await startArchive(exchange.name, db.path);
  const COUNT = 1000;
  const BATCH = 50;
  const streaming = (async () => {
    for (let from = 0; from < COUNT; from += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, i) => post(`post ${from + i}`));
      await publish(exchange.name, batch);
    }
  })();
  // Mid-stream: some posts archived, more on their way.
  await killed.waitFor("[x] Archived", { count: 200, timeoutMs: 60_000 });
  // The whole group, as kill -9 of the job would.
  assertExit(await stopped(killed, "SIGKILL"), KILLED);
  const before = archived(db.path).length; // rows when killed
  assert.ok(before >= 200 && before < COUNT, `${before} rows when killed`);
  await streaming;

  await using archive = await startArchive(exchange.name, db.path);
  await eventually(
    `${COUNT} rows in the archive`,
    () => Promise.resolve(archived(db.path).length >= COUNT),
    60_000,
  );
  await waitForDepth(exchange.queue, 0);
  assertExit(await stopped(archive), 0);

  const rows = archived(db.path);
  assert.equal(rows.length, COUNT);
  const names = new Set(rows.map((row) => row.name));
  assert.equal(names.size, COUNT, "each post once");
  for (let i = 0; i < COUNT; i++) assert.ok(names.has(`post ${i}`), `post ${i}`);
  // Started again, it added the rest; what it had stored but not acked came again, and was
  // not stored twice (" [=] Already archived").
  assert.equal(archivedLines(archive).length, COUNT - before);
});

test("archive.ts prunes the messages whose timestamp is older than the window (--keep), keeps newer ones", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  await using first = await startArchive(exchange.name, db.path, ["--keep", "30d"]);
  const now = Date.now();
  await publish(exchange.name, [
    post("40 days old", "a", new Date(now - 40 * DAY)),
    post("29 days old", "a", new Date(now - 29 * DAY)),
    post("new", "a"),
  ]);
  await first.waitFor("[x] Archived", { count: 3 });
  assertExit(await stopped(first), 0);

  // Pruning happens at start (and then every hour, or a tenth of a shorter window).
  await using archive = await startArchive(exchange.name, db.path, ["--keep", "30d"]);
  assert.match(
    archive.stdout[0],
    /^ \[-\] Pruned 1 message\(s\) older than \d{4}-\d\d-\d\dT[\d:.]+Z \(--keep 30d\)$/,
  );
  assert.match(archive.stdout[1], /: 2 message\(s\), 0 not JSON; keeping 30d$/);
  assertExit(await stopped(archive), 0);
  assert.deepEqual(archived(db.path).map((row) => row.name), ["29 days old", "new"]);
});

test("archive:replay --since sends exactly the archived messages of that span to a fresh queue, in order, marked as a replay", async () => {
  await using exchange = testArchiveExchange();
  await using queue = testQueue("replay");
  await using db = await testDb();
  await using archive = await startArchive(exchange.name, db.path);
  const now = Date.now();
  const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x01]);
  const recent: { body: string | Uint8Array; options: Options.Publish }[] = [
    post("first recent post", UTF8_AUTHOR, new Date(now - 20 * 60_000)),
    {
      body: bytes,
      options: {
        contentType: "application/octet-stream",
        headers: { "x-origin": "test" },
        timestamp: Math.floor((now - 10 * 60_000) / 1000),
        priority: 3,
      },
    },
    { body: "plain text, no id", options: { contentType: "text/plain", persistent: true } },
  ];
  await publish(exchange.name, [
    post("three hours ago", "a", new Date(now - 3 * 3_600_000)),
    ...recent,
    post("two hours ago", "a", new Date(now - 2 * 3_600_000)),
  ]);
  await archive.waitFor("[x] Archived", { count: 5 });
  await withChannel((channel) => channel.assertQueue(queue.name, { durable: false }));

  const replay = await runTask(
    "archive:replay",
    ["--db", db.path, "--since", "1h", "--to-queue", queue.name],
    { env: ENV },
  );
  assertExit(replay, 0);
  assert.match(
    replay.stdout.join("\n"),
    new RegExp(`^ \\[x\\] Replayed 3 message\\(s\\) since \\S+ to the queue "${queue.name}"$`),
  );
  await waitForDepth(queue.name, 3);
  const got = [await getOne(queue.name), await getOne(queue.name), await getOne(queue.name)];
  assert.equal(await getOne(queue.name), false, "nothing more");
  for (const [i, msg] of got.entries()) {
    assert.ok(msg, `message ${i}`);
    assert.deepEqual(new Uint8Array(msg.content), new Uint8Array(Buffer.from(recent[i].body)));
    const { headers, ...properties } = msg.properties;
    const { headers: originalHeaders, persistent, ...original } = recent[i].options;
    for (const [key, value] of Object.entries(original)) {
      assert.deepEqual(
        properties[key as keyof typeof properties],
        value,
        `${key} of message ${i}`,
      );
    }
    if (persistent) assert.equal(properties.deliveryMode, 2);
    assert.match(headers?.["x-replayed-at"], /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    for (const [key, value] of Object.entries(originalHeaders ?? {})) {
      assert.equal(headers?.[key], value);
    }
  }

  // To the exchange: every subscriber gets them again; the archive, which has them, stores them once.
  const again = await runTask("archive:replay", ["--db", db.path, "--since", "1h"], {
    env: ENV,
  });
  assertExit(again, 0);
  assert.match(
    again.stdout[0],
    new RegExp(`^ \\[x\\] Replayed 3 message\\(s\\) since \\S+ to "${exchange.name}"$`),
  );
  await archive.waitFor("[=] Already archived", { count: 3 });
  assertExit(await stopped(archive), 0);
  assert.equal(archived(db.path).length, 5);
});

test("archive.ts stores a message that is not JSON as is, and counts it; a message id or the same content is stored once", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  await using archive = await startArchive(exchange.name, db.path);
  const once = post("only once");
  await publish(exchange.name, [
    { body: "this is { not JSON", options: { contentType: "text/plain" } },
    { body: new Uint8Array([0xff, 0xfe, 0x00]) },
    once,
    once, // the same message id: a redelivery, or a publisher that sent it twice
    { body: "no id, same content" },
    { body: "no id, same content" },
  ]);
  await archive.waitFor(/^ \[(x|=)\]/, { count: 6 });
  assert.deepEqual(archive.stdout.slice(2), [
    " [x] Archived a message that is not JSON, stored as is (18 bytes, text/plain; 1 in the archive)",
    " [x] Archived a message that is not JSON, stored as is (3 bytes; 2 in the archive)",
    ' [x] Archived "only once" by MicroJoe',
    ' [=] Already archived "only once" by MicroJoe',
    " [x] Archived a message that is not JSON, stored as is (19 bytes; 3 in the archive)",
    " [=] Already archived a message that is not JSON, stored as is (19 bytes; 3 in the archive)",
  ]);
  assertExit(await stopped(archive), 0);

  // In the order they arrived (archive:query orders by timestamp: the post's is whole seconds).
  const rows = archived(db.path).toSorted((a, b) => a.id - b.id);
  assert.deepEqual(rows.map((row) => row.json), [false, false, true, false]);
  assert.equal(rows[0].body, "this is { not JSON");
  assert.deepEqual(
    new Uint8Array(rows[1].body as Uint8Array),
    new Uint8Array([0xff, 0xfe, 0x00]),
  );
  const query = await runTask("archive:query", ["--db", db.path], { env: ENV });
  assert.ok(
    query.stdout.some((line) => line.endsWith('  not JSON, text/plain: "this is { not JSON"')),
    query.stdout.join("\n"),
  );
  assert.ok(query.stdout.some((line) => line.endsWith("  3 bytes, not UTF-8")));
});

test("archive.ts with a --db it cannot open is one sentence, exit 1, and the message stays in the queue", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  // Declares its queue and binds it.
  await using archive = await startArchive(exchange.name, db.path);
  assertExit(await stopped(archive), 0);
  await publish(exchange.name, [post("kept in the queue")]);
  await waitForDepth(exchange.queue, 1);
  // A path under a file: no user, root included, can create it.
  const file = await Deno.makeTempFile({ dir: db.dir, prefix: "archive_test_" });
  const unwritable = `${file}/archive.db`;
  await assertOneLineError("archive", ["--exchange", exchange.name, "--db", unwritable], {
    code: 1,
    message: new RegExp(
      `^Cannot open the archive database "${unwritable}": unable to open database file; check that its folder exists and that you may write there$`,
    ),
  });
  await waitForDepth(exchange.queue, 1);
});

test("archive.ts that cannot write a message's row exits 1 with one sentence and does not ack it", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  await using locked = await startArchive(exchange.name, db.path);
  // Another program holds the database's write lock, past the archive's 5 s wait for it.
  const holder = new DatabaseSync(db.path);
  holder.exec("BEGIN IMMEDIATE");
  {
    await using _lock = atExit(() => {
      holder.exec("ROLLBACK");
      holder.close();
      return Promise.resolve();
    });
    await publish(exchange.name, [post("not lost")]);
    assertExit(await ended(locked), 1);
    assert.deepEqual(locked.stderr, [
      `Cannot write to the archive database "${db.path}": database is locked; another program is writing to it (another archive on the same file?)`,
    ]);
    assert.deepEqual(archivedLines(locked), []);
    await waitForDepth(exchange.queue, 1); // back in the queue: never acked
  }
  // With the lock gone, the archive stores it.
  await using archive = await startArchive(exchange.name, db.path);
  await archive.waitFor(' [x] Archived "not lost" by MicroJoe');
});

test("archive.ts reconnects when its connection is closed, and goes on into the same database", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  await using archive = await startArchive(exchange.name, db.path);
  await eventually(
    `the broker lists a consumer of "${exchange.queue}"`,
    async () => (await closeConnectionsConsuming(exchange.queue)) > 0,
  );
  await archive.waitFor(/^Lost the connection to "amqp[^"]*" \(.+\); reconnecting$/, {
    stream: "stderr",
  });
  await archive.waitFor(/^Reconnected to "amqp[^"]*"$/, { stream: "stderr", timeoutMs: 30_000 });
  await publish(exchange.name, [post("after the reconnection")]);
  await archive.waitFor(' [x] Archived "after the reconnection" by MicroJoe');
  const opened = archive.stdout.filter((line) => line.startsWith(" [*] Archiving"));
  assert.equal(opened.length, 1, "the database is opened once");
});

test("archive programs: a bad flag is one line and exit code 2", async () => {
  await assertOneLineError("archive", ["--keep", "3x"], {
    code: 2,
    message: /^Invalid value for --keep: "3x" is not a duration such as 30d/,
  });
  await assertOneLineError("archive", ["--type", "headers"], {
    code: 2,
    message: /^Invalid --type "headers": expected fanout, direct or topic$/,
  });
  await assertOneLineError("archive:replay", [], {
    code: 2,
    message: /^Missing --since: which messages to replay/,
  });
  await assertOneLineError("archive:query", ["--since", "yesterday"], {
    code: 2,
    message: /^Invalid value for --since: "yesterday" is neither a date/,
  });
  await assertOneLineError("archive:query", ["--db", "/nonexistent/archive.db"], {
    code: 1,
    message: /^No archive at "\/nonexistent\/archive.db": run "deno task archive" first/,
  });
});

test("archive:query --newest prints the newest first (with --limit, the newest ones); --author matches a part of the author, in any case", async () => {
  await using exchange = testArchiveExchange();
  await using db = await testDb();
  await using archive = await startArchive(exchange.name, db.path);
  const now = Date.now();
  await publish(exchange.name, [
    post("Ada's first", "Ada", new Date(now - 3_000)),
    post("Adam's", "Adam", new Date(now - 2_000)),
    post("MicroJoe's", UTF8_AUTHOR, new Date(now - 1_000)),
    post("Ada's second", "Ada", new Date(now)),
  ]);
  await archive.waitFor("[x] Archived", { count: 4 });
  const names = async (args: string[]) => {
    const result = await runTask("archive:query", ["--db", db.path, ...args], { env: ENV });
    assertExit(result, 0);
    return result.stdout.map((line) => line.match(/ "([^"]+)" by /)?.[1] ?? line);
  };
  const total = (n: number) => `${n} message(s) in ${db.path}`;
  assert.deepEqual(await names([]), [
    "Ada's first",
    "Adam's",
    "MicroJoe's",
    "Ada's second",
    total(4),
  ]);
  assert.deepEqual(await names(["--newest"]), [
    "Ada's second",
    "MicroJoe's",
    "Adam's",
    "Ada's first",
    total(4),
  ]);
  assert.deepEqual(await names(["--newest", "--limit", "2"]), [
    "Ada's second",
    "MicroJoe's",
    total(2),
  ]);
  assert.deepEqual(await names(["--limit", "2"]), ["Ada's first", "Adam's", total(2)]);
  assert.deepEqual(await names(["--author", "ada"]), [
    "Ada's first",
    "Adam's",
    "Ada's second",
    total(3),
  ]);
  assert.deepEqual(await names(["--author", "ADAM"]), ["Adam's", total(1)]);
  assert.deepEqual(await names(["--author", "æ¢v→"]), ["MicroJoe's", total(1)]);
  assert.deepEqual(await names(["--author", "ada", "--newest", "--limit", "1"]), [
    "Ada's second",
    total(1),
  ]);
  // The help says how --author matches, and what --newest does.
  const help = (await runTask("archive:query", ["--help"], { env: ENV })).stdout.join("\n");
  assert.match(
    help,
    /--author AUTHOR +only the posts whose author contains this text, in any case/,
  );
  assert.match(help, /--newest +the newest first/);
});

test("archive:query --help lists only what it uses: no --url or TLS flags (it reads the database, talks to no broker)", async () => {
  const flags = async (task: string) => {
    const help = await runTask(task, ["--help"], { env: ENV });
    assertExit(help, 0);
    return help.stdout.flatMap((line) => line.match(/^ +(?:-\w, )?(--[\w-]+)/)?.[1] ?? []);
  };
  assert.deepEqual(await flags("archive:query"), [
    "--since",
    "--until",
    "--author",
    "--limit",
    "--db",
    "--newest",
    "--json",
    "--help",
  ]);
  // The programs that talk to the broker still have them.
  for (const task of ["archive", "archive:replay"]) {
    const listed = await flags(task);
    for (const flag of ["--url", "--ca", "--cert", "--key"]) assert.ok(listed.includes(flag), flag);
  }
  await assertOneLineError("archive:query", ["--url", BROKER_URL], {
    code: 2,
    message: /^Unknown option "--url"\. Usage: deno task archive:query \[options\]/,
  });
});
