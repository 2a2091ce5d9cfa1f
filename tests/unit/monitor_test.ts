/**
 * Unit tests of the monitor's drawing, without a broker: lib/monitor/sparkline.ts
 * and lib/monitor/overview_screen.ts on made-up readings.
 */
import assert from "node:assert/strict";
import { type Overview, overviewScreen } from "../../lib/monitor/overview_screen.ts";
import { sparkline } from "../../lib/monitor/sparkline.ts";

const ESC = "\x1b";
/** The text as the terminal shows it: without its color sequences. */
const visible = (line: string) => line.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");

function overview(queues = 3, exchanges = 3): Overview {
  return {
    time: "2026-11-30T20:03:03.123Z",
    broker: "RabbitMQ 3.10.8",
    managementUrl: "http://localhost:15672",
    vhost: "/",
    statisticsIntervalSeconds: 5,
    rates: { publish: 3.6, deliver: 7.2 },
    history: {
      seconds: 120,
      publish: Array.from({ length: 24 }, (_, i) => (i < 12 ? 0 : 3.6)),
      deliver: Array.from({ length: 24 }, (_, i) => (i < 12 ? 0 : 7.2)),
    },
    messages: { ready: 3, unacked: 1 },
    queues: Array.from({ length: queues }, (_, i) => ({
      name: `queue-${String(i).padStart(3, "0")}-with-a-name-longer-than-forty-characters`,
      type: "quorum",
      ready: i === queues - 1 ? 3 : 0,
      unacked: 0,
      consumers: 0,
      inRate: 0,
      outRate: 0,
    })),
    exchanges: Array.from({ length: exchanges }, (_, i) => ({
      name: i === 0 ? "" : `exchange-${i}`,
      type: "fanout",
      inRate: i === exchanges - 1 ? 3.6 : 0,
      outRate: i === exchanges - 1 ? 7.2 : 0,
    })),
  };
}

Deno.test("sparkline draws 0 as the floor, the scale's top as a full bar", () => {
  assert.equal(sparkline([0, 5, 10], { max: 10 }), "▁▅█");
  assert.equal(sparkline([0, 0.01, 20], { max: 10 }), "▁▂█");
  assert.equal(sparkline([1, 2], { max: 2, repeat: 2 }), "▅▅██");
  assert.equal(sparkline([0, 0]), "▁▁");
});

Deno.test("overviewScreen: both graphs on one scale, the current values, the queued messages", () => {
  const lines = overviewScreen(overview(), { columns: 120, rows: 40 });
  assert.equal(lines[0], 'RabbitMQ 3.10.8 · http://localhost:15672 · vhost "/" · 20:03:03 UTC');
  assert.match(lines[1], /the broker's statistics change every 5 s/);
  // 24 points, two characters each; deliver is the scale's top, publish half of it.
  assert.equal(lines[2], `  Publish   ${"▁".repeat(24)}${"▅".repeat(24)}  3.6/s`);
  assert.equal(lines[3], `  Deliver   ${"▁".repeat(24)}${"█".repeat(24)}  7.2/s`);
  assert.equal(lines[4], "            one bar per 5 s, full height 7.2/s");
  assert.equal(lines[5], "Queued messages: 3 ready, 1 unacked");
});

Deno.test("overviewScreen fits the terminal: no line wider, no more lines, the rest counted", () => {
  for (const [columns, rows] of [[80, 24], [120, 40], [100, 30]]) {
    const lines = overviewScreen(overview(50, 20), {
      columns,
      rows,
      status:
        'Cannot reach the management API at "http://localhost:15672": connection refused; enable it with "rabbitmq-plugins enable rabbitmq_management" or set RABBITMQ_MANAGEMENT_URL',
      problem: true,
    });
    assert.ok(lines.length <= rows, `${lines.length} lines for ${rows} rows`);
    for (const line of lines) {
      assert.ok(visible(line).length <= columns, `${visible(line).length} > ${columns}: ${line}`);
    }
    assert.ok(
      lines.some((line) => /^… and \d+ more$/.test(line)),
      "the queues not shown are counted",
    );
  }
});

Deno.test("overviewScreen puts busy queues and exchanges first, names the default exchange", () => {
  const text = overviewScreen(overview(5, 3), { columns: 120, rows: 40 }).join("\n");
  assert.match(
    text,
    /Queues \(5\) +type +ready +unacked +consumers +in\/s +out\/s\nqueue-004-with-a-name-longer-than-forty… +quorum +3 +0 +0 +0\.0 +0\.0\n/,
  );
  assert.match(
    text,
    /Exchanges \(3\) +type +in\/s +out\/s\nexchange-2 +fanout +3\.6 +7\.2\n\(AMQP default\) +fanout/,
  );
});

Deno.test("overviewScreen draws colors only when asked, and a problem in red", () => {
  const plain = overviewScreen(overview(), { columns: 120, rows: 40, status: "Refreshing" });
  assert.ok(plain.every((line) => !line.includes(ESC)));
  const colored = overviewScreen(overview(), {
    columns: 120,
    rows: 40,
    color: true,
    status: "Lost",
    problem: true,
  });
  assert.ok(colored[2].includes(`${ESC}[32m`), "the publish graph in green");
  assert.equal(colored.at(-1), `${ESC}[31mLost${ESC}[0m`);
});
