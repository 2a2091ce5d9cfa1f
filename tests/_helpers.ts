/**
 * Shared test helpers: the broker URL, unique names, and a plain amqplib
 * connection to set up and inspect queues the programs under test use.
 */
import assert from "node:assert/strict";
import amqp, { type Channel, type GetMessage } from "amqplib";
import { brokerVersion } from "../lib/broker_version.ts";
import { managementRequest } from "../lib/management.ts";
import { urlParts } from "../lib/url.ts";
import { brokerKind } from "../tools/lib/broker.ts";
import { pollUntil } from "../tools/lib/poll.ts";
import { Program, type ProgramResult, runTask } from "../tools/lib/program.ts";

export { Program, programTasks, runTask } from "../tools/lib/program.ts";

/** The broker the tests use: AMQP_URL (from the environment or .env), else localhost. */
export const URL = Deno.env.get("AMQP_URL") ?? "amqp://localhost";

/** The environment for programs under test. */
export const ENV = { AMQP_URL: URL };

/**
 * Starts a program (a deno task, with ENV) and waits for its ready line, e.g.
 * WAITING: from then on it is consuming.
 */
export async function startReady(task: string, args: string[], ready: string): Promise<Program> {
  const program = await Program.start(task, args, { env: ENV });
  try {
    await program.waitFor(ready);
  } catch (error) {
    await program.stop("SIGKILL"); // not left running when the test fails here
    throw error;
  }
  return program;
}

/**
 * Stops the programs (SIGINT, as Ctrl+C does), runs `cleanup`, and only then
 * checks that each exited 0: a program that fails to stop cleanly does not
 * leave the test's queues and exchanges behind.
 */
export async function stopThenClean(
  programs: Program | Iterable<Program>,
  cleanup: () => Promise<unknown>,
): Promise<void> {
  const all = programs instanceof Program ? [programs] : [...programs];
  const codes = await Promise.all(all.map((program) => program.stop()));
  await cleanup();
  for (const code of codes) assert.equal(code, 0, "exit code after SIGINT");
}

/**
 * A test's name, followed by why it is skipped when it is: `deno test -q`
 * (the README's test command) shows the names of ignored tests but not what
 * a test file prints, so the reason goes where it is seen.
 */
export function testName(name: string, skip?: string): string {
  return skip === undefined ? name : `${name} [skipped: ${skip}]`;
}

/** The version of the broker at `url` (default URL), as it announces it, e.g. "3.10.8". */
export function brokerVersionAt(url = URL): Promise<string> {
  return brokerVersion(url);
}

/** The line every consumer prints once it is consuming. */
export const WAITING = " [*] Waiting for messages. To exit press CTRL+C";

/** The line the logs subscribers of tutorials 3 to 5 print once they are consuming. */
export const WAITING_LOGS = " [*] Waiting for logs. To exit press CTRL+C";

/** A name no other test uses, e.g. `task_queue.test.1a2b3c4d`. */
export function uniqueName(prefix: string): string {
  return `${prefix}.test.${crypto.randomUUID().slice(0, 8)}`;
}

/** Runs `fn` with a channel on its own connection (to `url`, default URL), then closes both. */
export async function withChannel<T>(
  fn: (channel: Channel) => Promise<T>,
  url = URL,
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
 * Waits until the broker lists a consumer on `queue`: a program prints its
 * ready line just before it asks to consume, as the official programs do,
 * so a test that needs the consumer itself in place waits for this too.
 */
export async function waitForConsumer(queue: string): Promise<void> {
  await eventually(`the broker lists a consumer on "${queue}"`, async () => {
    if ((await queueState(queue)) === "exists") {
      return await withChannel(async (channel) =>
        (await channel.checkQueue(queue)).consumerCount > 0
      );
    }
    // Another connection's exclusive queue refuses a passive declare: ask the management API,
    // whose statistics may lag by its collection interval (5 s by default).
    const { consumers = 0 } = await managementRequest(
      URL,
      `/api/queues/${VHOST_PATH}/${encodeURIComponent(queue)}`,
    ) as { consumers?: number };
    return consumers > 0;
  });
}

/** Waits until the queue (at `url`, default URL) holds `count` ready messages. */
export async function waitForDepth(queue: string, count: number, url = URL): Promise<void> {
  await eventually(
    `queue "${queue}" holds ${count} message(s)`,
    () =>
      withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount === count, url),
  );
}

/**
 * Runs `fn` with the URL of a vhost of its own, then deletes the vhost and
 * everything in it: for programs whose queue and exchange names are fixed
 * (lab:reset's), so that a test never touches a user's objects of that name.
 */
export async function withVhost<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const vhost = encodeURIComponent(uniqueName("vhost"));
  const user = encodeURIComponent(urlParts(URL).user);
  await managementRequest(URL, `/api/vhosts/${vhost}`, { method: "PUT" });
  try {
    await managementRequest(URL, `/api/permissions/${vhost}/${user}`, {
      method: "PUT",
      body: { configure: ".*", write: ".*", read: ".*" },
    });
    const url = new globalThis.URL(URL);
    url.pathname = `/${vhost}`;
    return await fn(url.href);
  } finally {
    await managementRequest(URL, `/api/vhosts/${vhost}`, { method: "DELETE" });
  }
}

/** Takes one message off the queue with basic.get (noAck: gone from the queue); `false` if empty. */
export async function getOne(queue: string): Promise<GetMessage | false> {
  return await withChannel(async (channel) => {
    const msg = await channel.get(queue, { noAck: true });
    return msg;
  });
}

/** Why the broker cannot be restarted from here, or `undefined` when it can. */
export async function cannotRestartReason(): Promise<string | undefined> {
  const kind = await brokerKind(URL);
  return kind === "remote"
    ? `the broker at ${URL} is neither the compose service nor a local node rabbitmqctl reaches`
    : undefined;
}

/** The test broker's vhost, as the management API's paths spell it (`%2F` for `/`). */
const VHOST_PATH = encodeURIComponent(urlParts(URL).vhost);

/** The queues bound to `exchange`, e.g. a subscriber's server-named queue (management API). */
export async function queuesBoundTo(exchange: string): Promise<string[]> {
  const bindings = await managementRequest(
    URL,
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
    URL,
    `/api/queues/${VHOST_PATH}/${encodeURIComponent(queue)}`,
  ) as { consumer_details?: { channel_details: { connection_name?: string } }[] };
  // A consumer the statistics have not caught up with yet has no channel details: next time.
  const connections = new Set(
    consumers.flatMap((c) => c.channel_details.connection_name ?? []),
  );
  for (const connection of connections) {
    await managementRequest(URL, `/api/connections/${encodeURIComponent(connection)}`, {
      method: "DELETE",
    });
  }
  return connections.size;
}

/** A port nothing listens on: bound a moment ago, then released. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The test broker's URL with other credentials, port or vhost. */
export function urlWith(change: (url: globalThis.URL) => void): string {
  const url = new globalThis.URL(URL);
  change(url);
  return url.href;
}

/** Queues a task with new_task and checks that it said it sent it. */
export async function newTask(queue: string, task: string): Promise<void> {
  const result = await runTask("new_task", ["--queue", queue, task], { env: ENV });
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [` [x] Sent '${task}'`]);
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
  assert.equal(result.code, expected.code, `exit code of ${task} ${args.join(" ")}: ${stderr}`);
  assert.equal(result.stderr.length, 1, `one line on stderr: ${stderr}`);
  assert.match(result.stderr[0], expected.message);
  assert.doesNotMatch(
    result.stderr[0],
    /\bat .*:\d+:\d+|\bat .*\.(ts|js):\d+|Error:|Uncaught/,
    "no stack trace",
  );
  return result;
}
