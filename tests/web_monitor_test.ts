/**
 * The web monitor (`deno task monitor:web`) in a real browser: Debian's
 * Chromium, headless, driven over the DevTools protocol
 * (lib/web/headless_chromium.ts), against the real broker. Tutorial 3's
 * programs run through `deno task` in a vhost of the test's own, and the
 * page's DOM is read as it follows them; a PNG of each state is written to
 * SCREENSHOTS (named in the test's name). The broker's numbers change every
 * collect_statistics_interval (5 s by default): the test polls the page,
 * which asks the API, until they show what it waits for.
 */
import assert from "node:assert/strict";
import { managementRequest } from "../lib/management.ts";
import { HeadlessChromium, type Page } from "../tools/lib/headless_chromium.ts";
import { pollUntil } from "../tools/lib/poll.ts";
import { WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  brokerVersionAt,
  freePort,
  runTask,
  startReady,
  stopped,
  test,
  testUser,
  testVhost,
  uniqueName,
} from "./_helpers.ts";

/** Where the screenshots go: $WEB_MONITOR_SCREENSHOTS, else a folder in the temporary directory. */
const SCREENSHOTS = Deno.env.get("WEB_MONITOR_SCREENSHOTS") ??
  `${Deno.env.get("TMPDIR") ?? "/tmp"}/web_monitor_screenshots`;

/** The ready line of monitor:web, with the page's address. */
const SERVING = /^ \[\*\] The picture of vhost "[^"]*" at (http:\/\/\S+) \(read-only\)/;

/** What the test reads of the page: the picture's elements and the text view. */
interface Seen {
  exchanges: { name: string; type: string }[];
  queues: { name: string; consumers: number; flags: string }[];
  arrows: { from: string; to: string; rate: number | null; label: string }[];
  text: string[];
  fresh: string;
  problem: string | null;
}

/** Reads the picture and the text view from the page's DOM. */
function see(page: Page): Promise<Seen> {
  return page.evaluate<Seen>(`(() => {
    const all = (selector) => [...document.querySelectorAll(selector)];
    return {
      exchanges: all("g.exchange").map((g) => ({ name: g.dataset.name, type: g.dataset.type })),
      queues: all("g.queue").map((g) => ({
        name: g.dataset.name, consumers: Number(g.dataset.consumers), flags: g.dataset.flags,
      })),
      arrows: all("g.arrow").map((g) => ({
        from: g.dataset.from, to: g.dataset.to,
        rate: g.dataset.rate === undefined ? null : Number(g.dataset.rate),
        label: g.querySelector(".rate text")?.textContent ?? "",
      })),
      // Each item's own line, without the lines under it.
      text: all("#text li").map((li) => li.firstChild.textContent),
      fresh: document.getElementById("fresh")?.textContent ?? "",
      problem: document.querySelector(".problem")?.textContent ?? null,
    };
  })()`);
}

/** Polls the page until `check` accepts what it shows; the last view is in the error. */
async function waitForPage<T>(
  page: Page,
  what: string,
  check: (seen: Seen) => T | undefined | false,
): Promise<T> {
  let last: Seen | undefined;
  return await pollUntil(what, async () => {
    last = await see(page);
    return check(last);
  }, { timeoutMs: 60_000, intervalMs: 500 }).catch((error) => {
    throw new Error(`${error.message}; the page showed: ${JSON.stringify(last)}`);
  });
}

/** The queues the page draws bound to `exchange` (an arrow from it). */
const boundTo = (seen: Seen, exchange: string) =>
  seen.queues.filter((q) => seen.arrows.some((a) => a.from === exchange && a.to === q.name));

test(`monitor:web in Chromium: tutorial 3 drawn as it runs (two subscribers, rates, one leaves); screenshots in ${SCREENSHOTS}`, async () => {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const version = await brokerVersionAt();
  const shot = (name: string) => `${SCREENSHOTS}/tutorial3-${name}-rabbitmq-${version}.png`;
  await using vhost = await testVhost(); // the picture is the test's alone
  const exchange = uniqueName("logs");
  const args = ["--url", vhost.url, "--exchange", exchange];
  await using monitor = await startReady(
    "monitor:web",
    ["--url", vhost.url, "--port", "0", "--interval", "1"],
    SERVING,
  );
  const address = monitor.stdout.join("\n").match(new RegExp(SERVING.source, "m"))![1];
  assert.match(address, /^http:\/\/127\.0\.0\.1:\d+\/$/, "on 127.0.0.1 only, by default");
  await using browser = await HeadlessChromium.launch();
  const page = await browser.newPage();
  await page.goto(address);

  // 1. Two subscribers: the exchange (fanout) bound to two queues, one consumer each.
  await using first = await startReady("receive_logs", args, WAITING_LOGS, { env: vhost.env });
  await using _second = await startReady("receive_logs", args, WAITING_LOGS, { env: vhost.env });
  const subscribed = await waitForPage(page, "two queues bound, one consumer each", (seen) => {
    const queues = boundTo(seen, exchange);
    return queues.length === 2 && queues.every((q) => q.consumers === 1) && seen;
  });
  assert.deepEqual(subscribed.exchanges, [{ name: exchange, type: "fanout" }]);
  for (const q of boundTo(subscribed, exchange)) {
    assert.match(q.name, /^amq\.gen-/, "server-named");
    assert.equal(q.flags, "classic, transient, exclusive, server-named");
  }
  assert.equal(subscribed.problem, null);
  assert.match(
    subscribed.fresh,
    /^Read \d\d:\d\d:\d\d UTC\. The broker updates these numbers every 5 s \(its collect_statistics_interval/,
  );
  // The text view, from the same page.
  assert.ok(subscribed.text.includes(`Exchange "${exchange}" (fanout): nothing published yet`));
  const queueLines = subscribed.text.filter((line) => line.startsWith('Queue "amq.gen-'));
  assert.equal(queueLines.length, 2);
  assert.equal(
    subscribed.text.filter((line) => /^→ C\d "receive_logs", auto-ack: /.test(line)).length,
    2,
  );
  await page.screenshot(shot("1-subscribed"));

  // 2. emit_log over and over: the arrows carry a rate once the broker's statistics show it.
  let emitting = true;
  const emitter = (async () => {
    for (let n = 0; emitting; n++) {
      assertExit(await runTask("emit_log", [...args, `info: ${n}`], { env: vhost.env }), 0);
    }
  })();
  await using _emitter = atExit(async () => {
    emitting = false;
    await emitter;
  });
  const flowing = await waitForPage(page, "a rate on every arrow of the exchange", (seen) => {
    const out = seen.arrows.filter((a) => a.from === exchange);
    const into = seen.arrows.find((a) => a.from === "P" && a.to === exchange);
    return out.length === 2 && [...out, into].every((a) => a && a.rate! > 0) && seen;
  });
  for (const arrow of flowing.arrows.filter((a) => a.from === exchange || a.to === exchange)) {
    assert.match(arrow.label, /^\d+\.\d\/s$/, "the rate is written on the arrow");
    assert.notEqual(arrow.label, "0.0/s");
  }
  assert.ok(
    flowing.text.some((line) =>
      new RegExp(`^Exchange "${exchange}" \\(fanout\\): published to at [1-9]|0\\.[1-9]`).test(line)
    ),
    `the text view says the rate: ${JSON.stringify(flowing.text)}`,
  );
  await page.screenshot(shot("2-messages-flowing"));
  emitting = false;
  await emitter;

  // 3. One subscriber stops: its exclusive queue goes, and the picture with it.
  const [gone] = boundTo(flowing, exchange).filter((q) =>
    flowing.arrows.some((a) => a.from === q.name)
  );
  assertExit(await stopped(first, "SIGINT"), 0);
  const left = await waitForPage(page, "one queue left", (seen) => {
    const queues = boundTo(seen, exchange);
    return queues.length === 1 && seen;
  });
  assert.equal(left.queues.length, 1);
  assert.ok(gone, "a queue was drawn");
  assert.equal(left.text.filter((line) => line.startsWith('Queue "amq.gen-')).length, 1);
  await page.screenshot(shot("3-one-subscriber-left"));

  // The filter, typed into the page: nothing matches (of the exchange and the queue left).
  await page.evaluate(`(() => {
    const filter = document.getElementById("filter");
    filter.value = "no-such-name";
    filter.dispatchEvent(new Event("input"));
  })()`);
  const filtered = await waitForPage(
    page,
    "the filter applied",
    (seen) => seen.queues.length === 0 && seen.text.at(-1),
  );
  assert.equal(filtered, '2 more queue(s) and exchange(s) not matching "no-such-name"');
  assert.equal(
    await page.evaluate("document.querySelector('.empty')?.textContent"),
    `Nothing to draw in vhost "${
      decodeURIComponent(new URL(vhost.url).pathname.slice(1))
    }" matching "no-such-name": no queues, and no exchange in use.`,
  );

  // The same text in the terminal: --once prints the lines the page lists.
  const once = await runTask("monitor:web", ["--url", vhost.url, "--once"], { env: vhost.env });
  assertExit(once, 0);
  const onceQueues = once.stdout.filter((line) => line.startsWith('Queue "'));
  assert.deepEqual(
    onceQueues.map((line) => line.split(":")[0]),
    left.text.filter((line) => line.startsWith('Queue "')).map((line) => line.split(":")[0]),
  );
  assert.ok(
    once.stdout.some((line) => line.startsWith(`Exchange "${exchange}" (fanout): published to at`)),
  );
  assert.ok(once.stdout.some((line) => /^ {2}→ C1 "receive_logs", auto-ack: /.test(line)));
  console.log(`Screenshots: ${SCREENSHOTS}`);
});

test("monitor:web serves GET only, and says so for anything else", async () => {
  await using vhost = await testVhost();
  await using monitor = await startReady(
    "monitor:web",
    ["--url", vhost.url, "--port", "0"],
    SERVING,
  );
  const address = monitor.stdout.join("\n").match(new RegExp(SERVING.source, "m"))![1];
  const post = await fetch(`${address}view`, { method: "POST", body: "{}" });
  assert.equal(post.status, 405);
  assert.equal(await post.text(), "This page only reads.\n");
  const view = await fetch(`${address}view`);
  assert.equal(view.status, 200);
  const html = await view.text();
  assert.match(html, /Nothing to draw in vhost/);
  assert.doesNotMatch(html, /guest:guest|password/i, "no password on the page");
  const missing = await fetch(`${address}favicon.ico`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

test("monitor:web --once as a user with the management tag alone: another user's consumer is counted, not named", async () => {
  await using vhost = await testVhost();
  const vhostName = decodeURIComponent(new URL(vhost.url).pathname.slice(1));
  await using student = await testUser("management");
  const { name: user, password } = student;
  await managementRequest(
    BROKER_URL,
    `/api/permissions/${encodeURIComponent(vhostName)}/${encodeURIComponent(user)}`,
    { method: "PUT", body: { configure: ".*", write: ".*", read: ".*" } },
  );
  const exchange = uniqueName("logs");
  // The subscriber runs as the test broker's user, not as the student.
  await using _receiver = await startReady(
    "receive_logs",
    ["--url", vhost.url, "--exchange", exchange],
    WAITING_LOGS,
    { env: vhost.env },
  );
  const studentUrl = new URL(vhost.url);
  studentUrl.username = user;
  studentUrl.password = password;
  // The queue's consumer count comes with the broker's statistics: polled, not slept on.
  const lines = await pollUntil("the student's view counts the other user's consumer", async () => {
    const once = await runTask("monitor:web", ["--url", studentUrl.href, "--once"]);
    assertExit(once, 0);
    return once.stdout.some((line) => line.includes("consumer(s) of other users")) && once.stdout;
  }, { timeoutMs: 30_000, intervalMs: 1000 });
  assert.ok(lines.includes(`Exchange "${exchange}" (fanout): nothing published yet`));
  assert.ok(lines.includes(
    '  → 1 consumer(s) of other users, whom this user may not see (the "monitoring" tag shows them)',
  ));
  assert.ok(!lines.some((line) => line.includes('"receive_logs"')), "not named");
});

test("monitor:web: no management plugin, a user without a management tag: one sentence each, exit 1", async () => {
  const port = freePort(); // nothing answers there: as a broker without the management plugin
  await assertOneLineError("monitor:web", [
    "--management-url",
    `http://127.0.0.1:${port}`,
    "--once",
  ], {
    code: 1,
    message: new RegExp(
      `^Cannot reach the management API at "http://127\\.0\\.0\\.1:${port}": connection refused; enable it with "rabbitmq-plugins enable rabbitmq_management" or check the address$`,
    ),
  });
  // A user who may log in but has no tag for the management API: reading needs "management".
  await using user = await testUser("");
  await assertOneLineError("monitor:web", ["--url", user.url, "--once"], {
    code: 1,
    message: new RegExp(
      `^The management API at "[^"]+" refused user "${user.name}": the user lacks the "management" tag, which this call needs$`,
    ),
  });
});
