/**
 * The tutorials end to end, in one terminal: starts a broker if none
 * answers, then runs each tutorial's programs as you would in separate
 * terminals, printing their output labelled with the program's name.
 *
 * Run:   deno task demo
 * Needs: --allow-net, --allow-env, --allow-read, --allow-write (the installed broker's record),
 *        --allow-run, --allow-sys=uid
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { brokerVersion } from "../lib/broker_version.ts";
import { ProgramError } from "../lib/program_error.ts";
import { closeOnSignal } from "../lib/shutdown.ts";
import { streamPort } from "../lib/stream.ts";
import { streamsUnavailable } from "./lib/streams_available.ts";
import { ensureBroker, lacksStreams } from "./lib/broker.ts";
import { PollTimeout, pollUntil } from "./lib/poll.ts";
import { Program, runTask } from "./lib/program.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS, WAITING_POSTS } from "./lib/ready_lines.ts";

const { url } = cli("demo", {
  summary: "Start a broker if needed and run the tutorials end to end, labelled",
});
const broker = await ensureBroker(url);
console.log(broker.message);
if (broker.notice) console.log(broker.notice);
// A broker started on other ports than the programs' defaults: tell them, and the stream check.
for (const line of broker.settings) {
  Deno.env.set(line.split("=")[0], line.slice(line.indexOf("=") + 1));
}
const env = { AMQP_URL: url };

// Every line any program prints, for waiting on a line from whichever program prints it.
const seen: string[] = [];
// The programs running now: each in a process group of its own, so Ctrl+C (which reaches only
// the demo's group) would leave them running; the demo stops them itself.
const running = new Set<Program>();
closeOnSignal({
  async close() {
    console.log("\nStopping the programs still running ...");
    await Promise.all([...running].map((program) => program.stop()));
  },
});

function labelled(label: string) {
  return {
    env,
    onLine: (line: string, stream: string) => {
      seen.push(line);
      console.log(`${`[${label}]`.padEnd(17)} ${stream === "stderr" ? "! " : ""}${line}`);
    },
  };
}

async function start(task: string, label = task, args: string[] = [], ready = WAITING) {
  const program = await Program.start(task, args, labelled(label));
  running.add(program);
  await program.waitFor(ready);
  return program;
}

async function run(task: string, args: string[] = []) {
  const { code } = await runTask(task, args, labelled(task));
  if (code !== 0) {
    throw new ProgramError(`"${task}" exited with code ${code}; see its output above`);
  }
}

async function until(text: string, count = 1, timeoutMs = 30_000) {
  const enough = () => seen.filter((line) => line.includes(text)).length >= count;
  await pollUntil(`"${text}" is printed`, enough, { timeoutMs }).catch((error) => {
    if (!(error instanceof PollTimeout)) throw error;
    throw new ProgramError(`The demo saw no "${text}" within ${timeoutMs / 1000} s`);
  });
}

async function stop(...programs: Program[]) {
  for (const program of programs) {
    const code = await program.stop();
    running.delete(program);
    if (code !== 0) {
      throw new ProgramError(
        `A program exited with code ${code} when stopped; see its output above`,
      );
    }
  }
}

console.log('\n== Tutorial 1: Hello World! (queue "hello") ==');
const receiver = await start("receive");
await run("send");
await until("[x] Received 'Hello World!'");
await stop(receiver);

console.log('\n== Tutorial 2: work queues (queue "task_queue", two workers) ==');
const workers = [await start("worker", "worker 1"), await start("worker", "worker 2")];
const TASKS = ["First task.", "Second task...", "Third task.", "Fourth task."];
for (const task of TASKS) await run("new_task", [task]);
await until("[x] Done", TASKS.length);
await stop(...workers);

console.log('\n== Tutorial 3: publish/subscribe (fanout exchange "logs", two subscribers) ==');
const subscribers = [
  await start("receive_logs", "logs 1", [], WAITING_LOGS),
  await start("receive_logs", "logs 2", [], WAITING_LOGS),
];
await run("emit_log");
await run("emit_log", ["warning: disk almost full"]);
await until("[x] warning: disk almost full", subscribers.length);
await stop(...subscribers);

console.log('\n== Tutorial 4: routing (direct exchange "direct_logs") ==');
const routed = [
  await start("receive_logs_direct", "error", ["error"], WAITING_LOGS),
  await start("receive_logs_direct", "all", ["info", "warning", "error"], WAITING_LOGS),
];
await run("emit_log_direct", ["info", "Just so you know"]);
await run("emit_log_direct", ["warning", "Careful"]);
await run("emit_log_direct", ["error", "Run. Run. Or it will explode."]);
await until("[x] 'error':'Run. Run. Or it will explode.'", routed.length);
await stop(...routed);

console.log('\n== Tutorial 5: topics (topic exchange "topic_logs") ==');
const topics = [
  await start("receive_logs_topic", "kern.*", ["kern.*"], WAITING_LOGS),
  await start("receive_logs_topic", "*.critical", ["*.critical"], WAITING_LOGS),
];
await run("emit_log_topic", ["kern.critical", "A critical kernel error"]);
await run("emit_log_topic", ["kern.info", "Kernel booted"]);
await run("emit_log_topic", ["disk.critical", "Disk on fire"]);
await until("[x] 'kern.info'");
await until("[x] 'disk.critical'");
await stop(...topics);

console.log('\n== Tutorial 6: RPC (queue "rpc_queue") ==');
const server = await start("rpc_server", "rpc_server", [], AWAITING_RPC);
await run("rpc_client", ["30"]);
await until("[.] fib(30)");
await stop(server);

console.log(
  "\n== The archive: posts published while it is stopped wait in its own queue ==",
);
// A queue and a database of the demo's own, deleted at the end of this section, so that your own
// walk-through of docs/archive.md ("reddit.archive", ./archive.db) starts empty after the demo.
const ARCHIVE_QUEUE = "reddit.archive.demo";
const archiveDir = await Deno.makeTempDir({ prefix: "demo_archive_" });
const ARCHIVE = ["--queue", ARCHIVE_QUEUE, "--db", `${archiveDir}/archive.db`];
async function deleteQueue(url: string, queue: string) {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await connection.close();
}
await deleteQueue(url, ARCHIVE_QUEUE); // left by a demo stopped in this section
// Once started, the archive's durable queue is bound to "reddit": stopped, it misses nothing.
const archive = await start("archive", "archive", ARCHIVE);
await stop(archive);
await run("emit_post", [
  "--author",
  "MicroJoe UTF-8 Æ¢V→−≠É–È„⋅®…",
  "Published while the archive was stopped",
]);
await run("emit_post", ["Published while the archive was stopped, too"]);
const catchingUp = await start("archive", "archive", ARCHIVE);
await until('[x] Archived "Published while the archive was stopped, too"');
await stop(catchingUp);
await run("archive:query", ["--db", `${archiveDir}/archive.db`, "--since", "2m"]);
await deleteQueue(url, ARCHIVE_QUEUE);
await Deno.remove(archiveDir, { recursive: true });

console.log(
  "\n== The monitor: the management UI's overview (two receive_posts, a stream of posts) ==",
);
const readers = [
  await start("receive_posts", "posts 1", [], WAITING_POSTS),
  await start("receive_posts", "posts 2", [], WAITING_POSTS),
];
const monitor = await start("monitor", "monitor", ["--interval", "1"], " publish ");
await run("emit_post", ["--count", "10", "--rate", "5", "Post number"]);
await until('[x] Received { name: "Post number 10"', readers.length);
await until(" publish ", 8); // a few seconds of one line per second (not a terminal: plain lines)
await stop(monitor, ...readers);
await run("monitor", ["--once"]); // the screen it draws in a terminal, without colors

console.log('\n== Stream tutorials 1 and 2: "Hello World!" and offset tracking (stream port) ==');
const noStreams = await streamsUnavailable(url, streamPort(url, undefined));
const version = await brokerVersion(url);
// For a broker older than 4.0 the notice (the second line) named its version, what it lacks and
// the one command that gets 4.3: the sections it lacks point to it, not to another way.
const seeNotice = "the second line above says how to get RabbitMQ 4.3";
if (noStreams) {
  console.log(
    `Skipped: ${
      broker.notice && lacksStreams(version)
        ? `the stream tutorials need RabbitMQ 3.11 or later; ${seeNotice}`
        : noStreams
    }`,
  );
} else {
  // A stream keeps what it has been sent: a receiver started after the sender still reads it.
  await run("stream:send");
  const streamReader = await start("stream:receive");
  await until("Received message Test message");
  await stop(streamReader);
  // Each receive reads up to the next marker, resuming after the offset it stored last time.
  for (let round = 1; round <= 2; round++) {
    await run("stream:offset_tracking_send");
    await run("stream:offset_tracking_receive");
  }
}

console.log("\n== RabbitMQ 4's own protocol: tutorials 1 to 7 over AMQP 1.0 (docs/amqp10.md) ==");
if (!/^([4-9]|\d{2,})\./.test(version)) {
  console.log(
    `Skipped: ${
      broker.notice
        ? `AMQP 1.0 with v2 addresses needs RabbitMQ 4.0 or later; ${seeNotice}`
        : `RabbitMQ ${version} has no AMQP 1.0 with v2 addresses (RabbitMQ 4.0+ has)`
    }`,
  );
} else {
  // The two protocols on one broker: each AMQP 1.0 consumer also gets what AMQP 0-9-1 sends.
  const receiver10 = await start("amqp10:receive");
  await run("amqp10:send");
  await run("send", ["Sent over AMQP 0-9-1"]);
  await until("[x] Received 'Sent over AMQP 0-9-1'");
  await stop(receiver10);

  const workers10 = [
    await start("amqp10:worker", "amqp10 worker 1"),
    await start("amqp10:worker", "amqp10 worker 2"),
  ];
  for (const task of TASKS) await run("amqp10:new_task", [task]);
  await until("[x] Done", 2 * TASKS.length);
  await stop(...workers10);

  const subscriber10 = await start("amqp10:receive_logs", "amqp10 logs", [], WAITING_LOGS);
  await run("amqp10:emit_log");
  await run("emit_log", ["warning: sent over AMQP 0-9-1"]);
  await until("[x] warning: sent over AMQP 0-9-1");
  await stop(subscriber10);

  const routed10 = await start(
    "amqp10:receive_logs_direct",
    "amqp10 error",
    ["error"],
    WAITING_LOGS,
  );
  await run("amqp10:emit_log_direct", ["info", "Nobody is bound for info"]);
  await run("amqp10:emit_log_direct", ["error", "It exploded over AMQP 1.0"]);
  await until("[x] 'error':'It exploded over AMQP 1.0'");
  const topics10 = await start(
    "amqp10:receive_logs_topic",
    "amqp10 kern.*",
    ["kern.*"],
    WAITING_LOGS,
  );
  await run("amqp10:emit_log_topic", ["kern.critical", "A kernel error over AMQP 1.0"]);
  await until("[x] 'kern.critical':'A kernel error over AMQP 1.0'");
  await stop(routed10, topics10);

  const server10 = await start(
    "amqp10:rpc_server",
    "amqp10:rpc_server",
    [],
    "[x] Awaiting RPC requests",
  );
  await run("amqp10:rpc_client", ["30"]);
  await run("rpc_client", ["10"]); // an AMQP 0-9-1 client, answered over AMQP 1.0
  await until("[.] fib(10)");
  await stop(server10);

  await run("amqp10:publisher_confirms", ["--count", "1000"]);
}

console.log("\nDone: every program above ran against the broker and exited cleanly.");
