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
import { cli } from "../lib/cli.ts";
import { managementRequest } from "../lib/management.ts";
import { closeOnSignal } from "../lib/shutdown.ts";
import { urlParts } from "../lib/url.ts";
import { HeadlessChromium, type Page } from "../lib/web/headless_chromium.ts";
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

/** Runs `tutorial` in the vhost `tutorial-N` and takes its picture; then removes the vhost. */
async function shoot(tutorial: Tutorial): Promise<void> {
  const vhost = `tutorial-${tutorial.number}`;
  const path = `/api/vhosts/${encodeURIComponent(vhost)}`;
  if (await managementRequest(url, path).then(() => true, () => false)) {
    throw new Error(`The vhost "${vhost}" exists already: delete it first (it is this tool's own)`);
  }
  await managementRequest(url, path, { method: "PUT" });
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(vhost)}`;
  const vhostUrl = parsed.href;
  const programs: Program[] = [];
  const start = async (task: string, args: string[], ready: string | RegExp) => {
    const program = await Program.start(task, args, { env: { AMQP_URL: vhostUrl } });
    running.add(program);
    programs.push(program);
    await program.waitFor(ready);
    return program;
  };
  let sending = true;
  let producer: Promise<void> = Promise.resolve();
  try {
    await managementRequest(
      url,
      `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(urlParts(url).user)}`,
      {
        method: "PUT",
        body: { configure: ".*", write: ".*", read: ".*" },
      },
    );
    const monitor = await start("monitor:web", ["--port", "0", "--interval", "1"], /at http/);
    const address = monitor.stdout.join("\n").match(/at (http:\/\/\S+)/)![1];
    for (const c of tutorial.consumers) await start(c.task, c.args, c.ready);
    producer = (async () => {
      for (let n = 0; sending; n++) {
        const args = tutorial.sends[n % tutorial.sends.length];
        const sent = await runTask(tutorial.producer, args, { env: { AMQP_URL: vhostUrl } });
        if (sent.code !== 0) throw new Error(`${tutorial.producer}: ${sent.stderr.join(" ")}`);
      }
    })();
    const page = await browser.newPage();
    await page.goto(address, 1200, 700);
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
    for (const program of programs.reverse()) {
      const code = await program.stop();
      running.delete(program);
      if (code !== 0) {
        console.error(` [!] A program exited with code ${code}: ${program.stderr.join(" ")}`);
      }
    }
    await managementRequest(url, path, { method: "DELETE" });
  }
}

try {
  for (const tutorial of TUTORIALS) await shoot(tutorial);
} finally {
  await browser.close();
}
