/**
 * The docs' screenshots of the web monitor, from a real run: for tutorials
 * 1 to 5, runs the tutorial's consumers and a stream of its producer
 * through `deno task`, each tutorial in a vhost of its own (created here,
 * deleted after), opens `deno task monitor:web` in headless Chromium and
 * takes the picture once every arrow carries a rate; then the whole page of
 * tutorial 3. Writes docs/images/web_monitor_tutorialN.png and
 * docs/images/web_monitor_page.png (or into the folder given).
 *
 * Run:   deno task screenshots [FOLDER]     (the broker at AMQP_URL; Debian's chromium)
 * Needs: --allow-all (the programs, the browser, the API, the files)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { managementClient, managementRequest } from "../lib/management.ts";
import { checkSource } from "../lib/web/read_topology.ts";
import { closeOnSignal } from "../lib/shutdown.ts";
import { urlParts } from "../lib/url.ts";
import { HeadlessChromium, type Page } from "./lib/headless_chromium.ts";
import { pollUntil } from "./lib/poll.ts";
import { Program, runTask } from "./lib/program.ts";
import { WAITING, WAITING_LOGS } from "./lib/ready_lines.ts";

const { url, positionals } = cli("screenshots", {
  summary:
    "Take the docs' screenshots of deno task monitor:web for tutorials 1 to 5, from a real run",
  args: "[folder]",
  maxArgs: 1,
});
const FOLDER = positionals[0] ?? "docs/images";

/** A tutorial: its consumers (task and arguments) and what its producer sends, by turns. */
interface Tutorial {
  number: number;
  consumers: { task: string; args: string[]; ready: string }[];
  producer: string;
  /** The producer's arguments, one list per run, used in turn. */
  sends: string[][];
}

const TUTORIALS: Tutorial[] = [
  {
    number: 1,
    consumers: [{ task: "receive", args: [], ready: WAITING }],
    producer: "send",
    sends: [[]],
  },
  {
    number: 2,
    consumers: [
      { task: "worker", args: [], ready: WAITING },
      { task: "worker", args: [], ready: WAITING },
    ],
    producer: "new_task",
    sends: [["First message"], ["Second message"]],
  },
  {
    number: 3,
    consumers: [
      { task: "receive_logs", args: [], ready: WAITING_LOGS },
      { task: "receive_logs", args: [], ready: WAITING_LOGS },
    ],
    producer: "emit_log",
    sends: [["info: Hello World!"]],
  },
  {
    number: 4,
    consumers: [
      { task: "receive_logs_direct", args: ["error"], ready: WAITING_LOGS },
      { task: "receive_logs_direct", args: ["info", "warning", "error"], ready: WAITING_LOGS },
    ],
    producer: "emit_log_direct",
    sends: [["error", "Run. Run. Or it will explode."], ["info", "Hello"], ["warning", "Careful"]],
  },
  {
    number: 5,
    consumers: [
      { task: "receive_logs_topic", args: ["*.orange.*"], ready: WAITING_LOGS },
      { task: "receive_logs_topic", args: ["*.*.rabbit", "lazy.#"], ready: WAITING_LOGS },
    ],
    producer: "emit_log_topic",
    sends: [["quick.orange.rabbit", "A critical kernel error"], ["lazy.brown.fox", "Lazy"], [
      "quick.orange.fox",
      "Quick",
    ]],
  },
];

// The broker's management API and the URL's vhost first: one sentence for a wrong URL, a
// refused login, a missing vhost or TLS file, before anything starts or is written.
const client = managementClient(url);
await checkSource({ url, client, vhost: urlParts(url).vhost });
await Deno.mkdir(FOLDER, { recursive: true });
const browser = await HeadlessChromium.launch();
const running = new Set<Program>();
closeOnSignal({
  async close() {
    await Promise.all([...running].map((program) => program.stop()));
    await browser.close();
  },
});

/** Every arrow of the picture carries a rate above 0, and every queue has its consumers. */
function flowing(page: Page, consumers: number): Promise<boolean> {
  return page.evaluate<boolean>(`(() => {
    const arrows = [...document.querySelectorAll("g.arrow")];
    const consumers = document.querySelectorAll("g.consumer").length;
    return consumers === ${consumers} && arrows.length > 0 &&
      arrows.every((a) => a.dataset.rate === undefined || Number(a.dataset.rate) > 0);
  })()`);
}

/** Runs `fn` with the URL of a new vhost `name` of this tool's own, deleted after. */
async function inVhost(name: string, fn: (vhostUrl: string) => Promise<void>): Promise<void> {
  const path = `/api/vhosts/${encodeURIComponent(name)}`;
  if (await managementRequest(url, path, { client }).then(() => true, () => false)) {
    throw new Error(`The vhost "${name}" exists already: delete it first (it is this tool's own)`);
  }
  await managementRequest(url, path, { method: "PUT", client });
  try {
    await managementRequest(
      url,
      `/api/permissions/${encodeURIComponent(name)}/${encodeURIComponent(urlParts(url).user)}`,
      { method: "PUT", body: { configure: ".*", write: ".*", read: ".*" }, client },
    );
    const parsed = new URL(url);
    parsed.pathname = `/${encodeURIComponent(name)}`;
    await fn(parsed.href);
  } finally {
    await managementRequest(url, path, { method: "DELETE", client });
  }
}

/** Starts a program in the vhost and waits for its ready line; `programs` gets it. */
async function start(
  programs: Program[],
  vhostUrl: string,
  task: string,
  args: string[],
  ready: string | RegExp,
): Promise<Program> {
  const program = await Program.start(task, args, { env: { AMQP_URL: vhostUrl } });
  running.add(program);
  programs.push(program);
  await program.waitFor(ready);
  return program;
}

/** Stops the programs, the last started first; says so if one does not exit 0. */
async function stopAll(programs: Program[]): Promise<void> {
  for (const program of programs.reverse()) {
    const code = await program.stop();
    running.delete(program);
    if (code !== 0) {
      console.error(` [!] A program exited with code ${code}: ${program.stderr.join(" ")}`);
    }
  }
}

/** Opens the page of a monitor:web started in the vhost. */
async function openMonitor(programs: Program[], vhostUrl: string, args: string[] = []) {
  const monitor = await start(programs, vhostUrl, "monitor:web", [
    "--port",
    "0",
    "--interval",
    "1",
    ...args,
  ], /at http/);
  const page = await browser.newPage();
  await page.goto(monitor.stdout.join("\n").match(/at (http:\/\/\S+)/)![1], 1200, 700);
  return page;
}

/** Runs `tutorial` in the vhost `tutorial-N` and takes its picture once messages flow. */
function shoot(tutorial: Tutorial): Promise<void> {
  return inVhost(`tutorial-${tutorial.number}`, async (vhostUrl) => {
    const programs: Program[] = [];
    let sending = true;
    let producer: Promise<void> = Promise.resolve();
    try {
      const page = await openMonitor(programs, vhostUrl);
      for (const c of tutorial.consumers) await start(programs, vhostUrl, c.task, c.args, c.ready);
      producer = (async () => {
        for (let n = 0; sending; n++) {
          const args = tutorial.sends[n % tutorial.sends.length];
          const sent = await runTask(tutorial.producer, args, { env: { AMQP_URL: vhostUrl } });
          if (sent.code !== 0) throw new Error(`${tutorial.producer}: ${sent.stderr.join(" ")}`);
        }
      })();
      await pollUntil(
        `tutorial ${tutorial.number}'s arrows all carry a rate`,
        () => flowing(page, tutorial.consumers.length),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const file = `${FOLDER}/web_monitor_tutorial${tutorial.number}.png`;
      await page.screenshot(file, ".picture");
      console.log(` [x] ${file}`);
      if (tutorial.number === 3) {
        await page.screenshot(`${FOLDER}/web_monitor_page.png`, "body");
        console.log(` [x] ${FOLDER}/web_monitor_page.png`);
      }
    } finally {
      sending = false;
      await producer;
      await stopAll(programs);
    }
  });
}

/** How many queues the crowded picture has: as many as the issue asks to stay readable. */
const MANY = 30;

/**
 * A crowded vhost: a topic exchange with 30 queues, one per region, and a
 * worker on one of them; the page as a laptop shows it (the picture
 * scrolls), then filtered to the queues of "region-1".
 */
function shootMany(): Promise<void> {
  return inVhost("thirty-queues", async (vhostUrl) => {
    const connection = await amqp.connect(vhostUrl);
    const channel = await connection.createChannel();
    await channel.assertExchange("orders", "topic", { durable: true });
    for (let i = 1; i <= MANY; i++) {
      const queue = `orders.region-${String(i).padStart(2, "0")}`;
      await channel.assertQueue(queue, { durable: true });
      await channel.bindQueue(queue, "orders", `order.region-${i}.#`);
    }
    await connection.close();
    const programs: Program[] = [];
    try {
      const page = await openMonitor(programs, vhostUrl);
      await pollUntil(
        "30 queues drawn",
        () => page.evaluate<boolean>(`document.querySelectorAll("g.queue").length === ${MANY}`),
      );
      await page.screenshot(`${FOLDER}/web_monitor_30_queues.png`, ".picture");
      console.log(` [x] ${FOLDER}/web_monitor_30_queues.png`);
      await page.evaluate(`(() => {
        const filter = document.getElementById("filter");
        filter.value = "region-1";
        filter.dispatchEvent(new Event("input"));
      })()`);
      await pollUntil(
        "the filter applied",
        () => page.evaluate<boolean>(`document.querySelectorAll("g.queue").length === 10`),
      );
      await page.screenshot(`${FOLDER}/web_monitor_filtered.png`, ".picture");
      console.log(` [x] ${FOLDER}/web_monitor_filtered.png`);
    } finally {
      await stopAll(programs);
    }
  });
}

try {
  for (const tutorial of TUTORIALS) await shoot(tutorial);
  await shootMany();
} finally {
  await browser.close();
}
