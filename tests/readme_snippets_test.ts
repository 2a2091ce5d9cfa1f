/**
 * The README's snippets run when pasted (issue 23, item 4). Each tutorial
 * section of README.md shows its programs' lesson as a standalone file,
 * marked for this test by an HTML comment before its fenced block:
 *
 *     <!-- snippet: send.ts -->
 *     ```ts
 *     import amqp from "npm:amqplib";
 *     ...
 *     ```
 *
 * The test takes every such block from README.md and writes it to a
 * folder of its own as a reader pastes it. Before running it, it changes
 * only two kinds of string literal: the URL `"amqp://localhost"` becomes the
 * test broker's (AMQP_URL), and the tutorial's queue or exchange name
 * (`"hello"`, `"logs"`, ...) becomes one of the test's own, so that the
 * test never touches a reader's queues; each change must find its literal,
 * or the test fails. It runs the snippet with `deno run --no-config
 * --allow-net FILE`, as the README says (`--no-config` because the test runs
 * in the project folder, whose deno.json and frozen lock an empty folder
 * does not have), producers and consumers together, and checks their
 * output lines; a consumer is stopped with Ctrl+C's signal and must exit 0.
 *
 * A snippet must not drift from its program: each test also runs the
 * program (`deno task ...`) against the snippet's queue or exchange, which
 * declares it again (a different argument is a PRECONDITION_FAILED), and
 * compares what the snippet declared with what the program declares on a
 * name of its own, as the management API shows them (durable, exclusive,
 * auto-delete, type, arguments). Tutorial 7's snippet prints the program's
 * three lines, timings apart.
 */
import assert from "node:assert/strict";
import { managementRequest } from "../lib/management.ts";
import { urlParts } from "../lib/url.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  ENV,
  Program,
  runOk,
  runTask,
  startReady,
  stopped,
  test,
  testDir,
  testExchange,
  testQueue,
  uniqueName,
  waitForConsumers,
  waitForDepth,
} from "./_helpers.ts";

const README = await Deno.readTextFile(new URL("../README.md", import.meta.url));

/** The snippets of README.md, by file name, as written there. */
const SNIPPETS = new Map(
  [...README.matchAll(/<!-- snippet: (\S+) -->\s*```ts\n([\s\S]*?)```\n/g)].map((
    [, name, code],
  ) => [name, code]),
);

/** The one broker URL the snippets name, as the official tutorials do. */
const LOCALHOST = '"amqp://localhost"';

test("README.md has a standalone snippet for every program of tutorials 1 to 7, type-checked as pasted", async () => {
  assert.deepEqual([...SNIPPETS.keys()].sort(), [
    "emit_log.ts",
    "emit_log_direct.ts",
    "emit_log_topic.ts",
    "new_task.ts",
    "publisher_confirms.ts",
    "receive.ts",
    "receive_logs.ts",
    "receive_logs_direct.ts",
    "receive_logs_topic.ts",
    "rpc_client.ts",
    "rpc_server.ts",
    "send.ts",
    "worker.ts",
  ]);
  for (const [name, code] of SNIPPETS) {
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    assert.ok(imports.includes("npm:amqplib"), `${name} imports npm:amqplib`);
    assert.deepEqual(
      imports.filter((from) => !["npm:amqplib", "node:buffer"].includes(from)),
      [],
      `${name} imports nothing but npm:amqplib and node:buffer`,
    );
    assert.equal(code.split(LOCALHOST).length, 2, `${name} names ${LOCALHOST} once`);
  }
  // `deno run` does not type-check: `deno check` does, on the files as pasted.
  await using dir = await testDir("readme-snippets");
  for (const [name, code] of SNIPPETS) await Deno.writeTextFile(`${dir.path}/${name}`, code);
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--no-config", "-q", ...SNIPPETS.keys()],
    cwd: dir.path,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const errors = new TextDecoder().decode(check.stderr);
  assert.equal(check.code, 0, `deno check of the snippets: ${errors}`);
});

/**
 * Writes the snippet to `dir` with the test broker's URL and the test's
 * names (`{ hello: "hello.test.1a2b" }`) for the literals, each found at
 * least once; returns its path.
 */
async function pasted(
  dir: { path: string },
  name: string,
  names: Record<string, string> = {},
): Promise<string> {
  const code = SNIPPETS.get(name);
  assert.ok(code, `README.md has the snippet ${name}`);
  let text = code.replace(LOCALHOST, JSON.stringify(BROKER_URL));
  for (const [literal, own] of Object.entries(names)) {
    const quoted = JSON.stringify(literal);
    assert.ok(text.includes(quoted), `${name} names ${quoted}`);
    text = text.replaceAll(quoted, JSON.stringify(own));
  }
  const path = `${dir.path}/${crypto.randomUUID().slice(0, 8)}-${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

/** `deno run` as the README says, for {@link Program.command}. */
const denoRun = (path: string, args: string[]) => [
  "run",
  "--no-config",
  "--allow-net",
  path,
  ...args,
];

/** Error output without colours, for the failure messages. */
const PLAIN = { env: { NO_COLOR: "1" } };

/** Runs a snippet that ends by itself; it must exit 0 with nothing on stderr. Its stdout. */
async function runSnippet(
  dir: { path: string },
  name: string,
  names: Record<string, string>,
  args: string[] = [],
): Promise<string[]> {
  const program = Program.command(
    Deno.execPath(),
    denoRun(await pasted(dir, name, names), args),
    PLAIN,
  );
  const code = await program.exited;
  const what = `deno run ${name} ${args.join(" ")}`;
  assertExit({ code, stdout: program.stdout, stderr: program.stderr }, 0, what);
  assert.deepEqual(program.stderr, [], `${what} printed nothing on stderr`);
  return program.stdout;
}

/**
 * Starts a long-running snippet and waits for its ready line. At scope exit
 * it is killed if it still runs (the test failed before {@link stopSnippet}).
 */
async function startSnippet(
  dir: { path: string },
  name: string,
  names: Record<string, string>,
  args: string[],
  ready: string,
): Promise<Program & AsyncDisposable> {
  const program = Program.command(
    Deno.execPath(),
    denoRun(await pasted(dir, name, names), args),
    PLAIN,
  );
  const killed = atExit(async () => {
    try {
      program.kill("SIGKILL");
      await program.exited;
    } catch {
      // exited already
    }
  });
  try {
    await program.waitFor(ready);
  } catch (error) {
    await killed[Symbol.asyncDispose]();
    throw error;
  }
  return Object.assign(program, killed);
}

/** Stops a snippet as Ctrl+C does: it must exit 0, nothing on stderr. Its stdout. */
async function stopSnippet(program: Program, name: string): Promise<string[]> {
  const result = await stopped(program, "SIGINT");
  assertExit(result, 0, `deno run ${name}, after SIGINT`);
  assert.deepEqual(result.stderr, [], `${name} printed nothing on stderr`);
  return result.stdout;
}

const VHOST = encodeURIComponent(urlParts(BROKER_URL).vhost);

/** What a declaration fixes, as the management API shows it: the same for both names. */
async function declared(kind: "queues" | "exchanges", name: string): Promise<unknown> {
  const all = await managementRequest(
    BROKER_URL,
    `/api/${kind}/${VHOST}/${encodeURIComponent(name)}`,
  ) as Record<string, unknown>;
  const fields = kind === "queues"
    ? ["durable", "auto_delete", "exclusive", "type", "arguments"]
    : ["type", "durable", "auto_delete", "internal", "arguments"];
  return Object.fromEntries(fields.map((field) => [field, all[field]]));
}

/** The snippet's queue or exchange is declared as the program declares its own. */
async function assertDeclaredAlike(
  kind: "queues" | "exchanges",
  snippets: string,
  programs: string,
): Promise<void> {
  assert.deepEqual(
    await declared(kind, snippets),
    await declared(kind, programs),
    `the snippet declares "${snippets}" as the program declares "${programs}"`,
  );
}

test("README.md shows the line every deno task prints first as deno task prints it", async () => {
  const shown = [...README.matchAll(/^Task (\S+) (.*)$/gm)];
  assert.ok(shown.length > 0, "README.md shows a Task line");
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;
  for (const [line, task, command] of shown) {
    assert.equal(command, tasks[task]?.command, `${line}: the command of deno task ${task}`);
  }
  // Without -q, as a reader types it: the line comes first, on stderr (colours aside).
  await using queue = testQueue("hello");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "send", "--queue", queue.name],
    env: { ...ENV, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const [first] = new TextDecoder().decode(output.stderr).split("\n");
  assert.equal(first, `Task send ${tasks.send.command} '--queue' '${queue.name}'`);
});

test("README.md's output blocks show the programs' lines with their leading space", () => {
  // deno fmt removes the indentation that all lines of a code block share: a block of program
  // lines alone loses their leading space, so each block starts with the command typed ($ ...).
  const blocks = [...README.matchAll(/^```\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  const lines = blocks.flatMap((block) => block.split("\n"));
  const programLines = lines.filter((line) => /^\s*\[[x*.!]\] /.test(line));
  assert.ok(programLines.length > 20, "README.md shows the programs' output");
  assert.deepEqual(programLines.filter((line) => !line.startsWith(" [")), [], "as printed");
});

test("README tutorial 1: send.ts and receive.ts as pasted, beside deno task send", async () => {
  await using dir = await testDir("readme-snippets");
  await using ours = testQueue("hello");
  await using theirs = testQueue("hello");
  const names = { hello: ours.name };
  await using receive = await startSnippet(dir, "receive.ts", names, [], WAITING);
  assert.deepEqual(await runSnippet(dir, "send.ts", names), [" [x] Sent 'Hello World!'"]);
  await receive.waitFor(" [x] Received 'Hello World!'");
  // The program declares the snippet's queue again (a different argument would be refused).
  await runOk("send", ["--queue", ours.name, "From deno task send"]);
  await receive.waitFor(" [x] Received 'From deno task send'");
  // The program, on a queue of its own, prints what the snippet printed.
  assert.deepEqual(await runOk("send", ["--queue", theirs.name]), [" [x] Sent 'Hello World!'"]);
  await assertDeclaredAlike("queues", ours.name, theirs.name);
  assert.deepEqual(await stopSnippet(receive, "receive.ts"), [
    WAITING,
    " [x] Received 'Hello World!'",
    " [x] Received 'From deno task send'",
  ]);
});

test("README tutorial 2: new_task.ts and worker.ts as pasted, beside deno task new_task", async () => {
  await using dir = await testDir("readme-snippets");
  await using ours = testQueue("task_queue");
  await using theirs = testQueue("task_queue");
  const names = { task_queue: ours.name };
  await using worker = await startSnippet(dir, "worker.ts", names, [], WAITING);
  assert.deepEqual(await runSnippet(dir, "new_task.ts", names, ["First", "message."]), [
    " [x] Sent 'First message.'",
  ]);
  await runOk("new_task", ["--queue", ours.name, "From deno task new_task"]);
  await worker.waitFor(" [x] Done", { count: 2 });
  assert.deepEqual(await runOk("new_task", ["--queue", theirs.name, "First", "message."]), [
    " [x] Sent 'First message.'",
  ]);
  await assertDeclaredAlike("queues", ours.name, theirs.name);
  assert.deepEqual(await stopSnippet(worker, "worker.ts"), [
    WAITING,
    " [x] Received 'First message.'",
    " [x] Done",
    " [x] Received 'From deno task new_task'",
    " [x] Done",
  ]);
  await waitForDepth(ours.name, 0); // acked: nothing came back when the worker stopped

  // Ctrl+C mid-task: exit 0, and the task goes back to the queue.
  await using busy = await startSnippet(dir, "worker.ts", names, [], WAITING);
  await runOk("new_task", ["--queue", ours.name, "A long task......."]);
  await busy.waitFor(" [x] Received 'A long task.......'");
  assert.deepEqual(await stopSnippet(busy, "worker.ts"), [
    WAITING,
    " [x] Received 'A long task.......'",
  ]);
  await waitForDepth(ours.name, 1);
});

/** Tutorials 3 to 5: a producer and a subscriber of an exchange, snippets beside the program. */
const LOG_TUTORIALS = [
  {
    tutorial: 3,
    exchange: "logs",
    emit: "emit_log",
    receive: "receive_logs",
    keys: [],
    sent: [[[], " [x] Sent 'info: Hello World!'"]],
    fromProgram: ["warning: disk almost full"],
    received: [" [x] info: Hello World!", " [x] warning: disk almost full"],
  },
  {
    tutorial: 4,
    exchange: "direct_logs",
    emit: "emit_log_direct",
    receive: "receive_logs_direct",
    keys: ["warning", "error"],
    sent: [
      [
        ["error", "Run. Run. Or it will explode."],
        " [x] Sent 'error':'Run. Run. Or it will explode.'",
      ],
      [["info", "Just so you know"], " [x] Sent 'info':'Just so you know'"], // not bound
    ],
    fromProgram: ["warning", "From deno task"],
    received: [" [x] 'error':'Run. Run. Or it will explode.'", " [x] 'warning':'From deno task'"],
  },
  {
    tutorial: 5,
    exchange: "topic_logs",
    emit: "emit_log_topic",
    receive: "receive_logs_topic",
    keys: ["kern.*", "*.critical"],
    sent: [
      [
        ["kern.critical", "A critical kernel error"],
        " [x] Sent 'kern.critical':'A critical kernel error'",
      ],
      [["disk.info", "Disk fine"], " [x] Sent 'disk.info':'Disk fine'"], // matches no key
    ],
    fromProgram: ["disk.critical", "Disk on fire"],
    received: [
      " [x] 'kern.critical':'A critical kernel error'", // once, though it matches both keys
      " [x] 'disk.critical':'Disk on fire'",
    ],
  },
] satisfies {
  tutorial: number;
  exchange: string;
  emit: string;
  receive: string;
  keys: string[];
  sent: [string[], string][];
  fromProgram: string[];
  received: string[];
}[];

for (const t of LOG_TUTORIALS) {
  test(`README tutorial ${t.tutorial}: ${t.emit}.ts and ${t.receive}.ts as pasted, beside deno task ${t.emit}`, async () => {
    await using dir = await testDir("readme-snippets");
    await using ours = testExchange(t.exchange);
    await using theirs = testExchange(t.exchange);
    const names = { [t.exchange]: ours.name };
    await using receive = await startSnippet(dir, `${t.receive}.ts`, names, t.keys, WAITING_LOGS);
    for (const [args, line] of t.sent) {
      assert.deepEqual(await runSnippet(dir, `${t.emit}.ts`, names, args), [line]);
    }
    // The program declares the snippet's exchange again (a different argument would be refused).
    await runOk(t.emit, ["--exchange", ours.name, ...t.fromProgram]);
    await receive.waitFor(t.received.at(-1)!);
    const [args, line] = t.sent[0];
    assert.deepEqual(await runOk(t.emit, ["--exchange", theirs.name, ...args]), [line]);
    await assertDeclaredAlike("exchanges", ours.name, theirs.name);
    assert.deepEqual(await stopSnippet(receive, `${t.receive}.ts`), [WAITING_LOGS, ...t.received]);
  });
}

test("README tutorial 4: receive_logs_direct.ts without a severity exits as the program does", async () => {
  await using dir = await testDir("readme-snippets");
  const program = await runTask("receive_logs_direct", []);
  const path = await pasted(dir, "receive_logs_direct.ts", { direct_logs: uniqueName("unused") });
  const snippet = Program.command(Deno.execPath(), denoRun(path, []), PLAIN);
  assert.equal(await snippet.exited, program.code, "the program's exit code (1)");
  assert.deepEqual(snippet.stderr, ["Usage: receive_logs_direct.ts [info] [warning] [error]"]);
});

test("README tutorial 6: rpc_server.ts and rpc_client.ts as pasted, with deno task rpc_server and rpc_client", async () => {
  await using dir = await testDir("readme-snippets");
  await using ours = testQueue("rpc_queue");
  await using theirs = testQueue("rpc_queue");
  await using server = await startSnippet(
    dir,
    "rpc_server.ts",
    { rpc_queue: ours.name },
    [],
    AWAITING_RPC,
  );
  await using program = await startReady("rpc_server", ["--queue", theirs.name], AWAITING_RPC);
  await waitForConsumers(ours.name);
  await waitForConsumers(theirs.name);
  await assertDeclaredAlike("queues", ours.name, theirs.name);

  const client = (queue: string, args: string[]) =>
    runSnippet(dir, "rpc_client.ts", { rpc_queue: queue }, args);
  assert.deepEqual(await client(ours.name, []), [
    " [x] Requesting fib(30)",
    " [.] Got 832040",
  ]);
  // The program's client asks the snippet's server; the snippet's client the program's server.
  assert.deepEqual(await runOk("rpc_client", ["--queue", ours.name, "10"]), [
    " [x] Requesting fib(10)",
    " [.] Got 55",
  ]);
  assert.deepEqual(await client(theirs.name, ["20"]), [
    " [x] Requesting fib(20)",
    " [.] Got 6765",
  ]);
  await program.waitFor(" [.] fib(20)");
  assert.deepEqual(await stopSnippet(server, "rpc_server.ts"), [
    AWAITING_RPC,
    " [.] fib(30)",
    " [.] fib(10)",
  ]);
});

test("README tutorial 7: publisher_confirms.ts as pasted prints the program's three lines", async () => {
  await using dir = await testDir("readme-snippets");
  const count = "500";
  const lines = await runSnippet(dir, "publisher_confirms.ts", {}, [count]);
  const program = await runOk("publisher_confirms", [
    "--count",
    count,
    "--queue",
    uniqueName("publisher_confirms"), // exclusive queues, gone with the program's connection
  ]);
  const untimed = (lines: string[]) => lines.map((line) => line.replace(/ [\d,]+ ms$/, " N ms"));
  assert.deepEqual(untimed(lines), untimed(program));
  assert.deepEqual(untimed(lines), [
    "Published 500 messages individually in N ms",
    "Published 500 messages in batch in N ms",
    "Published 500 messages and handled confirms asynchronously in N ms",
  ]);
});
