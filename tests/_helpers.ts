/**
 * The tests' one helper layer: the test broker, names and objects of a
 * test's own that are cleaned up at scope exit (`await using`), programs
 * started through `deno task` and stopped at scope exit, exit-code checks
 * that show the program's output, and plain amqplib connections to set up
 * and inspect what the programs under test use.
 *
 * Tests are declared with {@link test} (`Deno.test`'s signature): cleanup
 * at scope exit runs whether the test passed or failed, and a failing
 * cleanup (a program that does not exit 0 on Ctrl+C, say) fails the test
 * without hiding the test's own first error.
 *
 * @module
 */
import assert from "node:assert/strict";
import amqp, { type Channel, type GetMessage } from "amqplib";
import { brokerVersion } from "../lib/broker_version.ts";
import { studentObjects } from "../lib/lab/names.ts";
import { managementRequest } from "../lib/management.ts";
import { urlParts } from "../lib/url.ts";
import { brokerControl } from "../tools/lib/broker_control.ts";
import { pollUntil } from "../tools/lib/poll.ts";
import { Program, type ProgramOptions, type ProgramResult, runTask } from "../tools/lib/program.ts";
import { nodeCommands, startedNodeAtSync } from "../tools/lib/rabbitmq4.ts";
import { LAB_WAITING } from "../tools/lib/ready_lines.ts";

export { Program, programTasks, runTask } from "../tools/lib/program.ts";
/** A port nothing listens on: bound a moment ago, then released. */
export { freePort } from "../tools/lib/broker.ts";

// ---------------------------------------------------------------- the broker

/** The broker the tests use: AMQP_URL (from the environment or .env), else localhost. */
export const BROKER_URL = Deno.env.get("AMQP_URL") ?? "amqp://localhost";

/** The environment for programs under test. */
export const ENV = { AMQP_URL: BROKER_URL };

/** The test broker's vhost, as the management API's paths spell it (`%2F` for `/`). */
const VHOST_PATH = encodeURIComponent(urlParts(BROKER_URL).vhost);

/** The version of the broker at `url` (default BROKER_URL), as it announces it, e.g. "3.10.8". */
export function brokerVersionAt(url = BROKER_URL): Promise<string> {
  return brokerVersion(url);
}

// A test broker that this project started (tools/rabbitmq4's node, say after `deno task broker`)
// is reached with its own commands, as `tools/rabbitmq4 env` exports them: RABBITMQCTL,
// RABBITMQ_PLUGINS, ... (the machine's own would act on another broker). What the environment
// sets already wins.
const testNode = startedNodeAtSync(BROKER_URL);
/**
 * The variables that name the test broker's commands (adopted above, or
 * given): a program the tests start against a broker of its own (the broker
 * task's, a compose project's) is started without them.
 */
export const BROKER_COMMANDS = [
  "RABBITMQCTL",
  "RABBITMQ_SERVER",
  "RABBITMQ_PLUGINS",
  "RABBITMQ_DIAGNOSTICS",
  "RABBITMQ_TMPDIR",
];
if (testNode) {
  for (const [name, value] of Object.entries(nodeCommands(testNode))) {
    if (!Deno.env.get(name)) Deno.env.set(name, value);
  }
}

/**
 * Why the tests may not restart or reconfigure the test broker, or
 * `undefined` when they may: only a broker this project started (its
 * record, or this project's compose service) or one whose `rabbitmqctl`
 * RABBITMQCTL names (tools/lib/broker_control.ts).
 */
export async function cannotRestartReason(): Promise<string | undefined> {
  const control = await brokerControl(BROKER_URL);
  return control.kind === "none"
    ? `${control.why}: the tests restart and reconfigure only a broker this project started (deno task broker, tools/rabbitmq4, compose.yaml), or one whose rabbitmqctl RABBITMQCTL names`
    : undefined;
}

/** The test broker's URL with other credentials, port or vhost. */
export function urlWith(change: (url: URL) => void): string {
  const url = new URL(BROKER_URL);
  change(url);
  return url.href;
}

// ---------------------------------------------------------------- tests and their scope

/** How many tests of {@link test} are running (the tests of a file run one at a time). */
let running = 0;

/** A test's body, as `Deno.test` takes it. */
export type TestBody = (t: Deno.TestContext) => void | Promise<void>;

/**
 * `Deno.test` for this project's tests: the body may hold what it starts and
 * creates with `await using`, cleaned up at scope exit whether it passed or
 * failed. When the body failed and a cleanup failed too, JavaScript throws a
 * `SuppressedError` that hides the body's error: the test reports the
 * body's error, the first, with the cleanup's failures after it.
 *
 * @example
 * ```ts
 * test("worker.ts does a task", async () => {
 *   await using queue = testQueue("task_queue"); // deleted at scope exit
 *   await using worker = await startReady("worker", ["--queue", queue.name], WAITING);
 *   await newTask(queue.name, "hello.");
 *   await worker.waitFor(" [x] Done");
 * }); // the worker stops first (and must exit 0), then the queue goes
 * ```
 */
export function test(name: string, fn: TestBody): void;
export function test(definition: Deno.TestDefinition): void;
export function test(nameOrDefinition: string | Deno.TestDefinition, body?: TestBody): void {
  const definition = typeof nameOrDefinition === "string"
    ? { name: nameOrDefinition, fn: body! }
    : nameOrDefinition;
  const fn = async (t: Deno.TestContext) => {
    running++;
    try {
      await definition.fn(t);
    } catch (error) {
      throw firstError(error);
    } finally {
      running--;
    }
  };
  // Where the test is, for the test runner's report: the caller's line, not this file's.
  const caller = new Error().stack?.split("\n")[2]?.match(/(\S+:\d+:\d+)\)?$/)?.[1];
  Deno.test({
    ...definition,
    fn: Object.assign(fn, { [Symbol.for("Deno.test.location")]: caller }),
  });
}

/** The error thrown first under a chain of `SuppressedError`s, told what failed after it. */
function firstError(error: unknown): unknown {
  const later: unknown[] = [];
  while (error instanceof SuppressedError) {
    later.unshift(error.error);
    error = error.suppressed;
  }
  if (later.length > 0 && error instanceof Error) {
    const lines = later.map((e) => e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    error.message += `\n\nThen, at scope exit:\n${lines.join("\n")}`;
  }
  return error;
}

/** Fails a cleanup that ran outside {@link test}, where it could hide the test's error. */
function requireScope(): void {
  if (running === 0) {
    throw new Error(
      'Cleanup at scope exit ran outside a test of tests/_helpers.ts: write test("...", async () => ...), not Deno.test',
    );
  }
}

/**
 * Runs `cleanup` at scope exit (`await using`), whether the test passed or
 * failed: the building block of the objects below.
 */
export function atExit(cleanup: () => Promise<unknown>): AsyncDisposable {
  return {
    async [Symbol.asyncDispose]() {
      await cleanup();
      requireScope();
    },
  };
}

/**
 * A test's name, followed by why it is skipped when it is: `deno test -q`
 * (the README's test command) shows the names of ignored tests but not what
 * a test file prints, so the reason goes where it is seen.
 */
export function testName(name: string, skip?: string): string {
  return skip === undefined ? name : `${name} [skipped: ${skip}]`;
}

// ---------------------------------------------------------------- names and objects of a test's own

/** A name no other test uses, e.g. `task_queue.test.1a2b3c4d`. */
export function uniqueName(prefix: string): string {
  return `${prefix}.test.${crypto.randomUUID().slice(0, 8)}`;
}

/** A queue name of the test's own (`uniqueName`), the queue deleted at scope exit. */
export function testQueue(prefix: string): { name: string } & AsyncDisposable {
  const name = uniqueName(prefix);
  return Object.assign(atExit(() => deleteQueues(name)), { name });
}

/** An exchange name of the test's own (`uniqueName`), the exchange deleted at scope exit. */
export function testExchange(prefix: string): { name: string } & AsyncDisposable {
  const name = uniqueName(prefix);
  return Object.assign(atExit(() => deleteExchanges(name)), { name });
}

/**
 * A vhost of the test's own (`url`, and `env` for the programs), deleted at
 * scope exit with everything in it:
 * for programs whose queue and exchange names are fixed (lab:reset's), so
 * that a test never touches a user's objects of that name, and for numbers
 * (the monitor's) that must be the test's alone.
 */
export async function testVhost(): Promise<
  { url: string; env: { AMQP_URL: string } } & AsyncDisposable
> {
  const vhost = encodeURIComponent(uniqueName("vhost"));
  const user = encodeURIComponent(urlParts(BROKER_URL).user);
  await managementRequest(BROKER_URL, `/api/vhosts/${vhost}`, { method: "PUT" });
  const vhostGone = atExit(() =>
    managementRequest(BROKER_URL, `/api/vhosts/${vhost}`, { method: "DELETE" })
  );
  await managementRequest(BROKER_URL, `/api/permissions/${vhost}/${user}`, {
    method: "PUT",
    body: { configure: ".*", write: ".*", read: ".*" },
  }).catch(async (error) => {
    await managementRequest(BROKER_URL, `/api/vhosts/${vhost}`, { method: "DELETE" });
    throw error;
  });
  const url = urlWith((url) => url.pathname = `/${vhost}`);
  return Object.assign(vhostGone, { url, env: { AMQP_URL: url } });
}

/**
 * A user of the test's own with these tags ("" for none) and no permissions
 * (`name`, `password`, and `url`: the test broker's URL as that user), deleted at scope exit.
 */
export async function testUser(
  tags: string,
): Promise<{ name: string; password: string; url: string } & AsyncDisposable> {
  const name = uniqueName("user");
  const password = crypto.randomUUID();
  const path = `/api/users/${encodeURIComponent(name)}`;
  await managementRequest(BROKER_URL, path, { method: "PUT", body: { password, tags } });
  const url = urlWith((url) => {
    url.username = encodeURIComponent(name);
    url.password = password;
  });
  return Object.assign(atExit(() => managementRequest(BROKER_URL, path, { method: "DELETE" })), {
    name,
    password,
    url,
  });
}

/** A temporary folder (`path`), removed with everything in it at scope exit. */
export async function testDir(prefix: string): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return Object.assign(atExit(() => Deno.remove(path, { recursive: true })), { path });
}

/** A Lab 5 student: group `test-NNNN`, a random Latin surname. */
export interface Student {
  /** `<group>_<surname>`: task 1's queue. */
  name: string;
  /** `--group G --surname S`, for the programs. */
  args: string[];
}

/**
 * A student no other test uses, e.g. `test-48_qzkfbwmaxe`: ten random
 * letters, in a group of two digits as the course's are (the lab's programs
 * warn about others).
 */
export function uniqueStudent(group = `test-${10 + Math.floor(Math.random() * 90)}`): Student {
  const letters = Array.from(
    crypto.getRandomValues(new Uint8Array(10)),
    (byte) => String.fromCharCode(97 + (byte % 26)),
  ).join("");
  return { name: `${group}_${letters}`, args: ["--group", group, "--surname", letters] };
}

/** A student of a {@link testCourse}: their own user, as `deno task setup --roster` made it. */
export interface CourseStudent extends Student {
  /** Their AMQP URL: their user, the password setup generated, the course's vhost. */
  url: string;
  /** The environment of their programs, as the .env lines setup printed: AMQP_URL alone. */
  env: { AMQP_URL: string };
}

/** A Lab 5 course of the test's own: what {@link testCourse} made. */
export interface TestCourse extends AsyncDisposable {
  /** The course's vhost. */
  vhost: string;
  /** The test broker's URL (its administrator) on that vhost, to set up and inspect. */
  url: string;
  /** The students, each with their own user. */
  students: CourseStudent[];
  /** What `deno task setup --roster` printed. */
  setupOutput: string[];
}

/**
 * A Lab 5 course of the test's own, made as a teacher makes one: `deno task
 * setup --roster` with `count` students of one group on a new vhost. Each
 * student is a real user with the permissions setup gives (real, not
 * simulated), whose URL is read from the .env lines setup printed. The
 * users and the vhost, with everything in it, are deleted at scope exit.
 */
export async function testCourse(count = 2): Promise<TestCourse> {
  const group = uniqueStudent().args[1];
  const students = Array.from({ length: count }, () => uniqueStudent(group));
  const roster = await testRoster(students.map((s) => s.name.replace("_", ",")));
  students.forEach((student) => roster.users.add(student.name));
  try {
    const { vhost } = roster;
    const setup = await runTask("setup", ["--roster", roster.path, "--vhost", vhost], {
      env: ENV,
    });
    assertExit(setup, 0, "deno task setup --roster");
    const urls = setup.stdout.filter((line) => line.startsWith("AMQP_URL="))
      .map((line) => line.slice("AMQP_URL=".length));
    assert.equal(urls.length, count, `setup printed ${count} URLs: ${setup.stdout.join("\n")}`);
    const url = urlWith((url) => url.pathname = `/${encodeURIComponent(vhost)}`);
    return Object.assign(roster, {
      vhost,
      url,
      students: students.map((student, i) => ({
        ...student,
        url: urls[i],
        env: { AMQP_URL: urls[i] },
      })),
      setupOutput: setup.stdout,
    });
  } catch (error) {
    await Promise.resolve(roster[Symbol.asyncDispose]()).catch(() => {});
    throw error;
  }
}

/** A roster of the test's own: what {@link testRoster} made. */
export interface TestRoster extends AsyncDisposable {
  /** The roster file, with the lines given. */
  path: string;
  /** A vhost name of the test's own, for `setup --roster --vhost`. */
  vhost: string;
  /** The users to delete at scope exit: add each one that setup makes. */
  users: Set<string>;
}

/**
 * A roster file of the test's own, for `deno task setup --roster`, and a
 * vhost name: at scope exit the users added to `users`, the vhost (with
 * everything in it) and the file are deleted.
 */
export async function testRoster(lines: string[]): Promise<TestRoster> {
  const vhost = uniqueName("lab5");
  const path = await Deno.makeTempFile({ prefix: "roster", suffix: ".csv" });
  const users = new Set<string>();
  const gone = atExit(async () => {
    for (const user of users) {
      await managementRequest(BROKER_URL, `/api/users/${encodeURIComponent(user)}`, {
        method: "DELETE",
      }).catch(() => {});
    }
    await managementRequest(BROKER_URL, `/api/vhosts/${encodeURIComponent(vhost)}`, {
      method: "DELETE",
    }).catch(() => {});
    await Deno.remove(path);
  });
  await Deno.writeTextFile(path, lines.join("\n"));
  return Object.assign(gone, { path, vhost, users });
}

/** A student of the test's own, whose lab queues and exchanges are deleted at scope exit. */
export function testStudent(): Student & AsyncDisposable {
  const student = uniqueStudent();
  return Object.assign(atExit(() => deleteStudentObjects(student)), student);
}

/** Deletes every queue and exchange the lab's programs declare for the student. */
async function deleteStudentObjects(student: Student): Promise<void> {
  const { queues, exchanges } = studentObjects(student.name);
  await deleteQueues(...queues);
  await deleteExchanges(...exchanges);
}

// ---------------------------------------------------------------- asking the broker

/** Runs `fn` with a channel on its own connection (to `url`, default BROKER_URL), then closes both. */
export async function withChannel<T>(
  fn: (channel: Channel) => Promise<T>,
  url = BROKER_URL,
): Promise<T> {
  const connection = await amqp.connect(url, { noDelay: true });
  try {
    const channel = await connection.createChannel();
    // A failed operation rejects its promise; the channel's error event needs a listener too.
    channel.on("error", () => {});
    const result = await fn(channel);
    // Closing the channel first sends what amqplib still buffers (a publish, say).
    await channel.close().catch(() => {});
    return result;
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Deletes queues (missing ones are fine). */
export async function deleteQueues(...queues: string[]): Promise<void> {
  await withChannel(async (channel) => {
    for (const queue of queues) await channel.deleteQueue(queue);
  });
}

/** Deletes exchanges (missing ones are fine). */
export async function deleteExchanges(...exchanges: string[]): Promise<void> {
  await withChannel(async (channel) => {
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  });
}

/**
 * Whether a queue exists, as another connection sees it: an exclusive queue
 * of another connection answers a passive declare with RESOURCE_LOCKED.
 */
export async function queueState(
  queue: string,
  url?: string,
): Promise<"missing" | "exclusive" | "exists"> {
  try {
    await withChannel((channel) => channel.checkQueue(queue), url);
    return "exists";
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 404) return "missing";
    if (code === 405) return "exclusive";
    throw error;
  }
}

/** True when the exchange exists; other failures than NOT_FOUND are thrown. */
export async function exchangeExists(exchange: string, url?: string): Promise<boolean> {
  try {
    await withChannel((channel) => channel.checkExchange(exchange), url);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

/**
 * Waits until `condition` holds, checking every 50 ms, or fails after
 * `timeoutMs`: for broker-side effects that follow a program's exit.
 */
export async function eventually(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  await pollUntil(what, condition, { timeoutMs });
}

/**
 * Waits until the broker lists `count` consumers on `queue` (at `url`,
 * default BROKER_URL): a program prints its ready line just before it asks
 * to consume, as the official programs do, so a test that needs the
 * consumer itself in place waits for this too.
 */
export async function waitForConsumers(
  queue: string,
  count = 1,
  url = BROKER_URL,
): Promise<void> {
  await eventually(`the broker lists ${count} consumer(s) on "${queue}"`, async () => {
    if ((await queueState(queue, url)) !== "exclusive") {
      return await withChannel(
        async (channel) => (await channel.checkQueue(queue)).consumerCount === count,
        url,
      );
    }
    // Another connection's exclusive queue refuses a passive declare: ask the management API,
    // whose statistics may lag by its collection interval (5 s by default).
    const { consumers = 0 } = await managementRequest(
      url,
      `/api/queues/${encodeURIComponent(urlParts(url).vhost)}/${encodeURIComponent(queue)}`,
    ) as { consumers?: number };
    return consumers === count;
  });
}

/** Waits until the queue (at `url`, default BROKER_URL) holds `count` ready messages. */
export async function waitForDepth(queue: string, count: number, url = BROKER_URL): Promise<void> {
  await eventually(
    `queue "${queue}" holds ${count} message(s)`,
    () =>
      withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount === count, url),
  );
}

/** Takes one message off the queue with basic.get (noAck: gone from the queue); `false` if empty. */
export async function getOne(queue: string): Promise<GetMessage | false> {
  return await withChannel((channel) => channel.get(queue, { noAck: true }));
}

/** The queues bound to `exchange`, e.g. a subscriber's server-named queue (management API). */
export async function queuesBoundTo(exchange: string): Promise<string[]> {
  const bindings = await managementRequest(
    BROKER_URL,
    `/api/exchanges/${VHOST_PATH}/${encodeURIComponent(exchange)}/bindings/source`,
  ) as { destination: string; destination_type: string }[];
  return bindings.filter((b) => b.destination_type === "queue").map((b) => b.destination);
}

/**
 * Closes, from the broker's side (management API), the connections that
 * consume `queue`, and only those (not a user's programs of the same name);
 * resolves with how many it closed: 0 while the broker lists no consumer yet.
 */
export async function closeConnectionsConsuming(queue: string): Promise<number> {
  const { consumer_details: consumers = [] } = await managementRequest(
    BROKER_URL,
    `/api/queues/${VHOST_PATH}/${encodeURIComponent(queue)}`,
  ) as { consumer_details?: { channel_details: { connection_name?: string } }[] };
  // A consumer the statistics have not caught up with yet has no channel details: next time.
  const connections = new Set(
    consumers.flatMap((c) => c.channel_details.connection_name ?? []),
  );
  for (const connection of connections) {
    await managementRequest(BROKER_URL, `/api/connections/${encodeURIComponent(connection)}`, {
      method: "DELETE",
    });
  }
  return connections.size;
}

// ---------------------------------------------------------------- programs

/** A program's exit code and output, and what ran (for the failure message). */
export interface ExitResult extends ProgramResult {
  /** What ran, e.g. `deno task worker --queue q, after SIGINT`. */
  what?: string;
}

/**
 * Asserts a finished program's exit code; the failure message shows what
 * ran and the end of its output, stderr and stdout.
 */
export function assertExit(result: ExitResult, code = 0, what = result.what): void {
  if (result.code === code) return;
  const tail = (lines: string[]) =>
    JSON.stringify(lines.slice(-12)) + (lines.length > 12 ? ` (last 12 of ${lines.length})` : "");
  assert.fail(
    `${what ?? "The program"} exited with code ${result.code}, expected ${code}; ` +
      `stderr: ${tail(result.stderr)}; stdout: ${tail(result.stdout)}`,
  );
}

/** The exit code of a program killed with SIGKILL (128 + 9), as `deno task`'s exit reports it. */
export const KILLED = 137;

/** A program started by a test: at scope exit (`await using`) it is stopped and checked. */
export type TestProgram = Program & AsyncDisposable;

/** What each started program is, for failure messages: `deno task worker --queue q`. */
const commands = new WeakMap<Program, string>();
/** The programs whose exit the test has taken itself ({@link ended}, {@link stopped}). */
const exitTaken = new WeakSet<Program>();

/** How long a program may take to exit once told to, or to end by itself, before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
const END_TIMEOUT_MS = 20_000;

/** Options for {@link startReady}: the program's (default `env`: ENV), and how long to wait. */
export interface StartOptions extends ProgramOptions {
  /** Give up waiting for the ready line after this many milliseconds (default 20,000). */
  timeoutMs?: number;
}

/**
 * Starts a program as a person does (`deno task TASK ARGS`, with ENV) and
 * waits for its ready line, e.g. WAITING: from then on it is consuming; or,
 * for a program that prints nothing first, until `ready(program)` resolves.
 * Held with `await using`, it is stopped at scope exit with SIGINT, as
 * Ctrl+C does, and must exit 0 — unless the test took its exit itself with
 * {@link ended} or {@link stopped}.
 */
export async function startReady(
  task: string,
  args: string[],
  ready: string | RegExp | ((program: Program) => Promise<unknown>),
  options: StartOptions = {},
): Promise<TestProgram> {
  const { timeoutMs, ...programOptions } = options;
  const program = await Program.start(task, args, { ...programOptions, env: options.env ?? ENV });
  commands.set(program, ["deno task", task, ...args].join(" "));
  try {
    await (typeof ready === "function" ? ready(program) : program.waitFor(ready, { timeoutMs }));
  } catch (error) {
    await program.stop("SIGKILL"); // not left running when the test fails here
    throw error;
  }
  return Object.assign(program, {
    async [Symbol.asyncDispose]() {
      if (!exitTaken.has(program)) assertExit(await stopped(program, "SIGINT"), 0);
      requireScope();
    },
  });
}

/**
 * Starts a Lab 5 consumer and waits for its ready line (LAB_WAITING). The
 * line comes once its queue is declared and bound, before it consumes:
 * where a test needs it to be consuming, wait for {@link waitForConsumers} too.
 */
export function startLab(
  task: string,
  args: string[] = [],
  env: Record<string, string> = ENV,
): Promise<TestProgram> {
  return startReady(task, args, LAB_WAITING, { env });
}

/**
 * Waits for a program to exit by itself and returns its exit code and
 * output (for {@link assertExit}); a program still running after
 * `timeoutMs` is killed, and this throws.
 */
export async function ended(
  program: Program,
  timeoutMs = END_TIMEOUT_MS,
  how = "by itself",
): Promise<ExitResult> {
  exitTaken.add(program);
  const what = `${commands.get(program) ?? "The program"}, ${how},`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) =>
    timer = setTimeout(() => resolve("late"), timeoutMs)
  );
  const code = await Promise.race([program.exited, late]);
  clearTimeout(timer);
  if (code === "late") {
    await program.stop("SIGKILL");
    throw new Error(
      `${what} did not exit within ${timeoutMs / 1000} s, so it was killed; ` +
        `stderr: ${JSON.stringify(program.stderr)}`,
    );
  }
  return { code, stdout: program.stdout, stderr: program.stderr, what };
}

/**
 * Sends `signal` (default SIGINT, as Ctrl+C does) to the program's process
 * group unless it has exited, and returns its exit code and output (for
 * {@link assertExit}); one that has not exited 10 s later is killed, and
 * this throws.
 */
export async function stopped(
  program: Program,
  signal: Deno.Signal = "SIGINT",
): Promise<ExitResult> {
  try {
    program.kill(signal);
  } catch {
    // exited already
  }
  return await ended(program, STOP_TIMEOUT_MS, `after ${signal}`);
}

/**
 * Runs a program that must succeed (exit 0, nothing on stderr) and returns
 * its stdout.
 */
export async function runOk(
  task: string,
  args: string[] = [],
  env: Record<string, string> = ENV,
): Promise<string[]> {
  const result = await runTask(task, args, { env });
  assertExit(result, 0, ["deno task", task, ...args].join(" "));
  assert.deepEqual(result.stderr, []);
  return result.stdout;
}

/** Queues a task with new_task and checks that it said it sent it. */
export async function newTask(queue: string, task: string): Promise<void> {
  assert.deepEqual(await runOk("new_task", ["--queue", queue, task]), [` [x] Sent '${task}'`]);
}

/**
 * Runs a program that must fail with one line on stderr: checks its exit
 * code, that the line matches `message`, and that it is no stack trace.
 */
export async function assertOneLineError(
  task: string,
  args: string[],
  expected: { code: number; message: RegExp },
): Promise<ProgramResult> {
  const result = await runTask(task, args, { env: ENV });
  const stderr = result.stderr.join("\n");
  assertExit(result, expected.code, ["deno task", task, ...args].join(" "));
  assert.equal(result.stderr.length, 1, `one line on stderr: ${stderr}`);
  assert.match(result.stderr[0], expected.message);
  assert.doesNotMatch(
    result.stderr[0],
    /\bat .*:\d+:\d+|\bat .*\.(ts|js):\d+|Error:|Uncaught/,
    "no stack trace",
  );
  return result;
}

/**
 * Why this test cannot run a command as the unprivileged user nobody (65534), or undefined if it
 * can: that needs root, setpriv, and a checkout nobody may read (a clone inside a private folder,
 * such as one made by mktemp -d, is not).
 */
export async function cannotRunAsNobody(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "it needs root, to run a command as nobody";
  const deno = new URL("../deno.json", import.meta.url).pathname;
  const probe = await new Deno.Command("setpriv", {
    args: ["--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r", deno],
    stdin: "null",
  }).output().catch(() => undefined);
  if (!probe) return "it needs setpriv, to run a command as nobody";
  return probe.success
    ? undefined
    : `the user nobody cannot read this checkout (${deno}): clone it into a folder others may read`;
}
