/**
 * The tutorials end to end, in one terminal: starts a broker if none
 * answers, then runs each tutorial's programs as you would in separate
 * terminals, printing their output labelled with the program's name.
 *
 * Run:   deno task demo
 * Needs: --allow-net, --allow-env, --allow-read, --allow-run, --allow-sys=uid
 */
import { parseCli } from "../lib/config.ts";
import { ensureBroker } from "../lib/broker.ts";
import { fail } from "../lib/errors.ts";
import { Program, runTask } from "../lib/program.ts";

const { url } = parseCli({
  name: "demo",
  summary: "Start a broker if needed and run the tutorials end to end, labelled",
  maxArgs: 0,
});
const env = { AMQP_URL: url };
const WAITING = "[*] Waiting for messages";
const WAITING_LOGS = "[*] Waiting for logs";

try {
  console.log(await ensureBroker(url));
} catch (error) {
  fail((error as Error).message);
}

// Every line any program prints, for waiting on a line from whichever program prints it.
const seen: string[] = [];

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
  await program.waitFor(ready);
  return program;
}

async function run(task: string, args: string[] = []) {
  const { code } = await runTask(task, args, labelled(task));
  if (code !== 0) fail(`"${task}" exited with code ${code}; see its output above`);
}

async function until(text: string, count = 1, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (seen.filter((line) => line.includes(text)).length < count) {
    if (Date.now() > deadline) fail(`The demo saw no "${text}" within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(...programs: Program[]) {
  for (const program of programs) {
    const code = await program.stop();
    if (code !== 0) fail(`A program exited with code ${code} when stopped; see its output above`);
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
const server = await start("rpc_server", "rpc_server", [], "[x] Awaiting RPC requests");
await run("rpc_client", ["30"]);
await until("[.] fib(30)");
await stop(server);

console.log("\nDone: every program above ran against the broker and exited cleanly.");
