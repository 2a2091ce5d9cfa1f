import assert from "node:assert/strict";
import { isLocalhost } from "../lib/url.ts";
import { ENV, runTask, URL } from "./_helpers.ts";

const PHASES = [
  "publish",
  "confirm_individual",
  "confirm_batch",
  "confirm_async",
  "consume_prefetch_1",
  "consume_prefetch_10",
  "consume_prefetch_100",
  "producer_consumer",
  "rpc",
  "rpc_nagle",
];

interface Phase {
  id: string;
  label: string;
  runs: Record<string, number>[];
  median: Record<string, number>;
}

Deno.test("bench.ts --quick --json measures every phase and writes the figures with their context", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/bench.json`;
  try {
    const result = await runTask("bench", ["--quick", "--json", file], { env: ENV });
    assert.equal(result.code, 0, result.stderr.join("\n"));
    const report = JSON.parse(await Deno.readTextFile(file));

    assert.deepEqual(report.phases.map((phase: Phase) => phase.id), PHASES);
    for (const phase of report.phases as Phase[]) {
      assert.equal(phase.runs.length, 1, phase.id);
      assert.ok(phase.median.rate > 0 && Number.isFinite(phase.median.rate), phase.id);
      // Where the time goes: the bench's own CPU time per message is always measured.
      assert.ok(phase.median.clientCpuUs > 0, `${phase.id}: ${JSON.stringify(phase.median)}`);
    }
    // And the broker's, when it runs on this machine (found through the management API).
    if (isLocalhost(URL)) {
      assert.match(report.context.broker.osPid, /^\d+$/);
      const brokerUs = report.phases.map((phase: Phase) => phase.median.brokerCpuUs);
      assert.ok(brokerUs.every((us: number) => us >= 0), JSON.stringify(brokerUs));
      // /proc counts in 10 ms ticks: a short phase may show 0, but the broker did the work.
      assert.ok(brokerUs.reduce((a: number, b: number) => a + b) > 0, JSON.stringify(brokerUs));
    }
    const rpc = (id: string) => report.phases.find((phase: Phase) => phase.id === id).median;
    for (const id of ["rpc", "rpc_nagle"]) {
      assert.ok(rpc(id).p50Ms > 0 && rpc(id).p99Ms >= rpc(id).p50Ms, id);
    }
    // The point of noDelay: with Nagle's algorithm a small write can wait for the peer's
    // delayed TCP ack (40 ms on Linux). Load only adds to that, so it is a safe lower bound.
    assert.ok(rpc("rpc_nagle").p50Ms >= 20, JSON.stringify(rpc("rpc_nagle")));
    assert.ok(rpc("rpc_nagle").p50Ms > rpc("rpc").p50Ms);

    const { context, settings } = report;
    assert.equal(context.cpus, navigator.hardwareConcurrency);
    assert.equal(context.deno, Deno.version.deno);
    assert.match(context.amqplib, /^\d+\.\d+\.\d+$/);
    assert.match(context.broker.version, /^\d+\.\d+\.\d+/);
    assert.equal(settings.messageBytes, 100);
    assert.equal(settings.runs, 1);

    // The table on stdout is the one in the JSON, one row per phase.
    const table = result.stdout.filter((line) => line.startsWith("|"));
    assert.equal(table.length, 2 + PHASES.length);
    assert.equal(table.join("\n"), report.table);
    // Progress goes to stderr, one line per run when stderr is not a terminal.
    assert.equal(result.stderr.length, PHASES.length);
    assert.match(result.stderr[0], /^\[1\/10\] Publish, no confirms, run 1 of 1 \.\.\.$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench.ts refuses a --json file it cannot write, before measuring anything", async () => {
  const result = await runTask("bench", ["--quick", "--json", "/nonexistent-dir/bench.json"], {
    env: ENV,
  });
  assert.equal(result.code, 1);
  assert.equal(result.stderr.length, 1, JSON.stringify(result.stderr));
  assert.match(result.stderr[0], /^Cannot write the --json file "\/nonexistent-dir\/bench.json": /);
});
