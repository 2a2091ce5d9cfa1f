/**
 * The monitor against the real broker's management API, each test in a
 * vhost of its own: its rates and message counts are then the test's alone.
 * The broker updates its statistics every collect_statistics_interval (5 s
 * by default), so the tests poll until the numbers show what they wait for.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { pollUntil } from "../tools/lib/poll.ts";
import { WAITING_POSTS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  ENV,
  freePort,
  runTask,
  startReady,
  stopped,
  test,
  testUser,
  testVhost,
  uniqueName,
  urlWith,
  withChannel,
} from "./_helpers.ts";

const ESC = "\x1b"; // starts the terminal's escape sequences (colors, cursor)

interface Sample {
  rates: { publish: number; deliver: number };
  history: { seconds: number; publish: number[]; deliver: number[] };
  messages: { ready: number; unacked: number };
  queues: { name: string; type: string; ready: number; unacked: number; consumers: number }[];
  exchanges: { name: string; type: string; inRate: number; outRate: number }[];
}

/** One sample of `deno task monitor --once --json` for the broker at `url`. */
async function monitorOnce(url: string): Promise<Sample> {
  const result = await runTask("monitor", ["--url", url, "--once", "--json"], { env: ENV });
  assertExit(result, 0);
  assert.equal(result.stdout.length, 1, "one line of JSON");
  return JSON.parse(result.stdout[0]);
}

/** Puts `count` messages in a new queue of the vhost at `url`. */
async function fillQueue(url: string, queue: string, count: number): Promise<void> {
  await withChannel(async (channel) => {
    await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    for (let i = 0; i < count; i++) channel.sendToQueue(queue, Buffer.from(`message ${i}`));
    await channel.close(); // waits until the broker has them
  }, url);
}

test("monitor.ts --once --json: with two receive_posts and a stream of emit_post, about twice as many delivered as published", async () => {
  // The vhost goes at scope exit, with all in it.
  await using vhost = await testVhost();
  const { url } = vhost;
  const exchange = uniqueName("reddit");
  const args = ["--url", url, "--exchange", exchange];
  await using _receiver1 = await startReady("receive_posts", args, WAITING_POSTS);
  await using _receiver2 = await startReady("receive_posts", args, WAITING_POSTS);
  let streaming = true;
  const stream = (async () => {
    for (let n = 0; streaming; n++) {
      const sent = await runTask("emit_post", [...args, `post ${n}`], { env: ENV });
      assertExit(sent, 0);
    }
  })();
  // Stopped before the receivers are, whether the test passes or fails.
  await using _stream = atExit(async () => {
    streaming = false;
    await stream;
  });
  // The rates settle once a few statistics intervals have passed with the stream on.
  let last: Sample | undefined;
  const settled = await pollUntil(
    "the deliver rate is about twice the publish rate",
    async () => {
      last = await monitorOnce(url);
      const { publish, deliver } = last.rates;
      return publish >= 1 && Math.abs(deliver / publish - 2) <= 0.3 && last;
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  ).catch((error) => {
    throw new Error(`${error.message}; last rates: ${JSON.stringify(last?.rates)}`);
  });
  assert.ok(settled.history.publish.some((rate) => rate > 0), "the publish graph shows it");
  assert.ok(settled.history.deliver.some((rate) => rate > 0), "the deliver graph shows it");
  assert.equal(settled.history.publish.length, settled.history.seconds / 5);
  assert.equal(settled.queues.filter((queue) => queue.consumers === 1).length, 2);
  assert.ok(settled.exchanges.some((row) => row.name === exchange && row.type === "fanout"));
});

test("monitor.ts --once --json: a queue holding 7 ready messages shows 7", async () => {
  await using vhost = await testVhost();
  const queue = uniqueName("monitor");
  await fillQueue(vhost.url, queue, 7);
  const sample = await pollUntil("the monitor shows 7 ready messages", async () => {
    const sample = await monitorOnce(vhost.url);
    const row = sample.queues.find((q) => q.name === queue);
    return row?.ready === 7 && sample.messages.ready === 7 && sample;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  const [row] = sample.queues;
  assert.deepEqual(
    [row.name, row.type, row.ready, row.unacked, row.consumers],
    [queue, "quorum", 7, 0, 0],
  );
  assert.equal(sample.messages.unacked, 0);
});

test("monitor.ts: management plugin off, wrong password, no management tag, unknown vhost: one sentence each, exit 1", async () => {
  const port = freePort(); // nothing answers there: as a broker without the management plugin
  await assertOneLineError("monitor", ["--management-url", `http://127.0.0.1:${port}`], {
    code: 1,
    message: new RegExp(
      `^Cannot reach the management API at "http://127\\.0\\.0\\.1:${port}": connection refused; enable it with "rabbitmq-plugins enable rabbitmq_management" or check the address$`,
    ),
  });
  await assertOneLineError("monitor", ["--url", urlWith((url) => url.password = "wrong")], {
    code: 1,
    message:
      /^The management API at "http:\/\/[^"]+" refused the login of user "guest": wrong user name or password$/,
  });
  // The password is right, but reading the API needs the "management" tag, which this user lacks.
  await using untagged = await testUser("");
  await assertOneLineError("monitor", ["--url", untagged.url, "--once"], {
    code: 1,
    message: new RegExp(
      `^The management API at "http://[^"]+" refused user "${untagged.name}": the user lacks the "management" tag, which this call needs$`,
    ),
  });
  const vhost = uniqueName("no-such-vhost");
  await assertOneLineError("monitor", ["--vhost", vhost], {
    code: 1,
    message: new RegExp(
      `^The vhost "${vhost}" does not exist at "http://[^"]+" \\(or user "guest" may not see it\\); its vhosts: .*"/"`,
    ),
  });
  await assertOneLineError("monitor", ["--interval", "0"], {
    code: 2,
    message: /^Invalid value for --interval: "0" is not a whole number of at least 1$/,
  });
});

test("monitor.ts prints one plain line per refresh when stdout is not a terminal, and stops on Ctrl+C", async () => {
  const line =
    /^\d{4}-\d\d-\d\dT[\d:.]+Z publish \d+\.\d\/s deliver \d+\.\d\/s ready \d+ unacked \d+$/;
  await using monitor = await startReady("monitor", ["--interval", "1"], line);
  await monitor.waitFor(line, { count: 2 });
  assertExit(await stopped(monitor), 0);
  assert.ok(monitor.stdout.every((line) => !line.includes(ESC)), "no escape sequences");
  assert.deepEqual(monitor.stderr, []);
});

/**
 * A tmux server of the test's own (its own socket), with a 120×40 terminal;
 * stopped at scope exit.
 */
function tmux(socket: string) {
  const run = async (...args: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command("tmux", {
      args: ["-L", socket, ...args],
    })
      .output();
    const text = new TextDecoder().decode(stdout);
    if (code !== 0) throw new Error(`tmux ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
    return text;
  };
  return {
    /** Starts `command` (a bash command line) in a new session named "test". */
    start: (command: string) =>
      run("new-session", "-d", "-s", "test", "-x", "120", "-y", "40", "-c", Deno.cwd(), command),
    /** The screen as text (`escapes`: with its colors), history included. */
    screen: (escapes = false) =>
      run("capture-pane", "-p", "-t", "test", "-S", "-", "-E", "-", ...(escapes ? ["-e"] : [])),
    /** Whether the alternate screen is on, and whether the cursor shows: e.g. "1 0". */
    modes: async () =>
      (await run("display-message", "-p", "-t", "test", "#{alternate_on} #{cursor_flag}")).trim(),
    keys: (...keys: string[]) => run("send-keys", "-t", "test", ...keys),
    // Stops the server and removes its socket file.
    ...atExit(async () => {
      const socketPath = (await run("display-message", "-p", "#{socket_path}").catch(() => ""))
        .trim();
      await run("kill-server").catch(() => {});
      if (socketPath) await Deno.remove(socketPath).catch(() => {});
    }),
  };
}

test("monitor.ts in a terminal draws the graphs and the queue table in place, and Ctrl+C gives the terminal back", async () => {
  await using vhost = await testVhost();
  const queue = uniqueName("monitor");
  await fillQueue(vhost.url, queue, 3);
  await using terminal = tmux(uniqueName("tmux"));
  await terminal.start(
    `bash -c 'echo before the monitor; "${Deno.execPath()}" task -q monitor --url "${vhost.url}"; echo "exit code $?"; sleep 600'`,
  );
  const screen = await pollUntil("the monitor shows its graphs and the queue", async () => {
    const text = await terminal.screen();
    return /Publish +[▁▂▃▄▅▆▇█]{24,}/.test(text) && /Deliver +[▁▂▃▄▅▆▇█]{24,}/.test(text) &&
      new RegExp(`${queue.replaceAll(".", "\\.")} +quorum +3 +0 +0 `).test(text) && text;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  assert.match(screen, /Queues \(1\) +type +ready +unacked +consumers +in\/s +out\/s/);
  assert.match(screen, /Exchanges \(\d+\) +type +in\/s +out\/s/);
  assert.match(screen, /the broker's statistics change every 5 s/);
  assert.match(screen, /Refreshing every 1 s · Ctrl\+C to quit/);
  assert.doesNotMatch(screen, /before the monitor/, "drawn on the alternate screen");
  assert.equal(await terminal.modes(), "1 0", "alternate screen on, cursor hidden");

  await terminal.keys("C-c");
  const after = await pollUntil("the monitor has exited", async () => {
    const text = await terminal.screen();
    return text.includes("exit code") && text;
  });
  assert.match(after, /^before the monitor\nexit code 0\n/);
  assert.doesNotMatch(after, /Publish|Queues/, "the monitor's screen is gone");
  assert.equal(await terminal.modes(), "0 1", "main screen back, cursor shown");
});

test("monitor.ts --once in a terminal draws in color, and without color when NO_COLOR is set", async () => {
  await using terminal = tmux(uniqueName("tmux"));
  const deno = Deno.execPath();
  await terminal.start(
    `bash -c '"${deno}" task -q monitor --once; echo "== NO_COLOR"; NO_COLOR=1 "${deno}" task -q monitor --once; echo "== done"; sleep 600'`,
  );
  const screen = await pollUntil("both screens are printed", async () => {
    const text = await terminal.screen(true);
    return text.includes("== done") && text;
  }, { timeoutMs: 30_000 });
  const [colored, plain] = screen.split("== NO_COLOR");
  assert.match(colored, new RegExp(`${ESC}\\[[0-9;]*32m[▁▂▃▄▅▆▇█]+`), "a green graph");
  assert.match(plain, /Publish +[▁▂▃▄▅▆▇█]+/);
  assert.ok(!plain.includes(ESC), "no escape sequence at all");
});
