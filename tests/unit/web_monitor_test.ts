/**
 * Unit tests of the web monitor's pure parts, without a broker:
 * lib/web/topology.ts (the model from the management API's answers, the
 * filter), lib/web/svg.ts (the picture) and lib/web/text.ts (the text view),
 * on answers shaped as RabbitMQ 3.10 and 4.3 give them.
 */
import assert from "node:assert/strict";
import { topologySvg } from "../../lib/web/svg.ts";
import { topologyLines } from "../../lib/web/text.ts";
import { type ApiAnswers, topologyFrom } from "../../lib/web/topology.ts";
import { pageHtml, viewHtml } from "../../lib/web/page.ts";

const CONTEXT = {
  managementUrl: "http://127.0.0.1:15672",
  vhost: "/",
  statisticsIntervalSeconds: 5,
  time: "2026-12-02T05:00:07.000Z",
};

const connection = (port: number, name: string) => ({
  name: `127.0.0.1:${port} -> 127.0.0.1:5672`,
  user_provided_name: name,
});
const channel = (port: number, stats: Record<string, unknown> = {}) => ({
  name: `127.0.0.1:${port} -> 127.0.0.1:5672 (1)`,
  connection_details: { name: `127.0.0.1:${port} -> 127.0.0.1:5672` },
  message_stats: stats,
});
const consumer = (port: number, queue: string, prefetch = 0, ack = false) => ({
  consumer_tag: `amq.ctag-${port}`,
  prefetch_count: prefetch,
  ack_required: ack,
  queue: { name: queue },
  channel_details: {
    name: `127.0.0.1:${port} -> 127.0.0.1:5672 (1)`,
    connection_name: `127.0.0.1:${port} -> 127.0.0.1:5672`,
  },
});

/** Tutorial 3 as the API shows it: two receive_logs on "logs", emit_log publishing. */
function tutorial3(): ApiAnswers {
  const queue = (name: string) => ({
    name,
    type: "classic",
    durable: false,
    exclusive: true,
    auto_delete: false,
    messages_ready: 0,
    messages_unacknowledged: 0,
    message_stats: {
      publish: 12,
      publish_details: { rate: 2.4 },
      deliver_get_details: { rate: 2.4 },
    },
  });
  const q1 = "amq.gen-JzTY20BRgKO-HjmUJj0wLg";
  const q2 = "amq.gen-As8oPmuxvGbRWZ2wrhEtXw";
  return {
    overview: { product_name: "RabbitMQ", product_version: "3.10.8", rates_mode: "basic" },
    queues: [queue(q1), queue(q2), { name: "task_queue", type: "quorum", durable: true }],
    exchanges: [
      { name: "", type: "direct", durable: true },
      { name: "amq.fanout", type: "fanout", durable: true },
      {
        name: "logs",
        type: "fanout",
        durable: false,
        message_stats: { publish_in: 12, publish_in_details: { rate: 2.4 } },
      },
    ],
    bindings: [
      { source: "", destination: q1, destination_type: "queue", routing_key: q1 },
      { source: "logs", destination: q1, destination_type: "queue", routing_key: "" },
      { source: "logs", destination: q2, destination_type: "queue", routing_key: "" },
    ],
    consumers: [consumer(1001, q1), consumer(1002, q2)],
    channels: [
      channel(1001, { deliver_get_details: { rate: 2.4 } }),
      channel(1002, { deliver_get_details: { rate: 2.4 } }),
      channel(1003, { publish_details: { rate: 2.4 } }),
    ],
    connections: [
      connection(1001, "receive_logs"),
      connection(1002, "receive_logs"),
      connection(1003, "emit_log"),
    ],
  };
}

Deno.test("topologyFrom: tutorial 3, the exchange in use with two server-named queues, one consumer each", () => {
  const t = topologyFrom(tutorial3(), CONTEXT);
  assert.deepEqual(t.exchanges.map((e) => [e.name, e.type, e.inRate, e.published]), [
    ["logs", "fanout", 2.4, true],
  ], "neither the default exchange nor an unused amq.* one");
  const bound = t.queues.filter((q) => q.bindings.some((b) => b.exchange === "logs"));
  assert.equal(bound.length, 2);
  for (const q of bound) {
    assert.ok(q.serverNamed && q.exclusive && !q.durable);
    assert.deepEqual(q.bindings, [{ exchange: "logs", keys: [""] }], "not the default binding");
    assert.equal(q.consumers.length, 1);
    assert.deepEqual(
      [q.consumers[0].connection, q.consumers[0].ackRequired, q.consumers[0].rate],
      ["receive_logs", false, 2.4],
    );
  }
  assert.deepEqual(t.producers, ["emit_log"]);
  assert.equal(t.broker, "RabbitMQ 3.10.8");
});

Deno.test("topologyFrom: a queue sent to by name is drawn P → queue, without an exchange", () => {
  const answers = tutorial3();
  answers.queues.push({
    name: "hello",
    type: "classic",
    durable: false,
    message_stats: { publish: 1, publish_details: { rate: 0.2 } },
  });
  const t = topologyFrom(answers, CONTEXT);
  const hello = t.queues.find((q) => q.name === "hello")!;
  assert.equal(hello.direct, true);
  assert.equal(t.queues.find((q) => q.name === "task_queue")!.direct, false, "nothing sent yet");
  const svg = topologySvg(t);
  assert.match(svg, /<g class="producer" data-to="hello">/);
  assert.match(svg, /<g class="arrow" data-from="P" data-to="hello" data-rate="0.2">/);
});

Deno.test("topologyFrom: the filter keeps what matches and what it is connected to", () => {
  const t = topologyFrom(tutorial3(), { ...CONTEXT, filter: "LOGS" });
  assert.deepEqual(t.exchanges.map((e) => e.name), ["logs"]);
  assert.equal(t.queues.length, 2, "the exchange's queues");
  assert.equal(t.hidden, 1, "task_queue");
  const byQueue = topologyFrom(tutorial3(), { ...CONTEXT, filter: "task" });
  assert.deepEqual([byQueue.exchanges.length, byQueue.queues.map((q) => q.name)], [0, [
    "task_queue",
  ]]);
  assert.match(
    topologyLines(byQueue).join("\n"),
    /3 more queue\(s\) and exchange\(s\) not matching "task"/,
  );
});

Deno.test("topologyFrom: with rates_mode detailed, the exchange names who publishes to it", () => {
  const answers = tutorial3();
  answers.overview.rates_mode = "detailed";
  answers.incoming = {
    logs: [{
      stats: { publish_details: { rate: 2.4 } },
      channel_details: { connection_name: "127.0.0.1:1003 -> 127.0.0.1:5672" },
    }],
  };
  const [logs] = topologyFrom(answers, CONTEXT).exchanges;
  assert.deepEqual(logs.publishers, ["emit_log"]);
});

Deno.test("topologyFrom: a user with the management tag alone is told of consumers it cannot see", () => {
  const answers = tutorial3();
  answers.queues[0].consumers = 2; // one listed (its own connection), one of another user
  answers.queues[1].consumers = 1;
  const asAdministrator = topologyFrom({ ...answers, tags: ["administrator"] }, CONTEXT);
  assert.deepEqual(asAdministrator.queues.map((q) => q.otherConsumers), [0, 0, 0]);
  for (const tags of [["management"], "management"]) {
    const t = topologyFrom({ ...answers, tags }, CONTEXT);
    const q = t.queues.find((q) => q.name === answers.queues[0].name)!;
    assert.equal(q.otherConsumers, 1);
    assert.equal(t.queues.find((q) => q.name === answers.queues[1].name)!.otherConsumers, 0);
    assert.match(topologySvg(t), /<g class="consumer others" data-queue="[^"]+" data-count="1">/);
    assert.ok(
      topologyLines(t).includes(
        '  → 1 consumer(s) of other users, whom this user may not see (the "monitoring" tag shows them)',
      ),
    );
  }
});

Deno.test("topologySvg: the tutorials' shapes with data for tests, the rates and keys on arrows", () => {
  const answers = tutorial3();
  answers.exchanges.push({ name: "direct_logs", type: "direct", durable: false });
  answers.queues.push({ name: "errors", type: "quorum", durable: true });
  answers.bindings.push(
    {
      source: "direct_logs",
      destination: "errors",
      destination_type: "queue",
      routing_key: "error",
    },
    {
      source: "direct_logs",
      destination: "errors",
      destination_type: "queue",
      routing_key: "warning",
    },
  );
  answers.consumers.push(consumer(1004, "errors", 1, true));
  const svg = topologySvg(topologyFrom(answers, CONTEXT));
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<g class="exchange"/g)?.length, 2);
  assert.match(svg, /<g class="exchange" data-name="logs" data-type="fanout">/);
  assert.equal(svg.match(/<g class="queue"/g)?.length, 4);
  assert.equal(svg.match(/<g class="consumer"/g)?.length, 3);
  assert.match(svg, /data-from="P" data-to="logs" data-rate="2.4"/);
  assert.match(svg, /data-from="logs" data-to="amq.gen-JzTY20BRgKO-HjmUJj0wLg" data-rate="2.4"/);
  assert.match(svg, />error, warning<\/text>/, "the binding keys on the arrow");
  assert.match(svg, />amq\.gen-JzTY20…</, "a server-named queue cut short, as the tutorials do");
  assert.match(svg, />prefetch 1</);
  assert.match(svg, /data-flags="quorum, durable"/);
  assert.doesNotMatch(svg, /amq\.fanout/);
});

Deno.test("topologySvg: 30 queues stack downwards at full size; names are escaped", () => {
  const answers = tutorial3();
  for (let i = 0; i < 30; i++) {
    answers.queues.push({ name: `q<${i}>&"`, type: "classic", durable: true });
  }
  const svg = topologySvg(topologyFrom(answers, CONTEXT));
  const height = Number(svg.match(/viewBox="0 0 \d+ (\d+)"/)![1]);
  assert.ok(height > 30 * 60, `tall enough to read (${height} px)`);
  assert.match(svg, /data-name="q&lt;0&gt;&amp;&quot;"/);
  assert.doesNotMatch(svg, /q<0>/);
});

Deno.test("topologySvg: an exchange with many queues stays at the top, each key by its queue", () => {
  const answers = tutorial3();
  answers.exchanges.push({ name: "orders", type: "topic", durable: true });
  for (let i = 1; i <= 30; i++) {
    answers.queues.push({ name: `orders.${i}`, type: "classic", durable: true });
    answers.bindings.push({
      source: "orders",
      destination: `orders.${i}`,
      destination_type: "queue",
      routing_key: `order.${i}.#`,
    });
  }
  const svg = topologySvg(topologyFrom(answers, CONTEXT));
  const orders = svg.slice(svg.indexOf('<g class="exchange" data-name="orders"'));
  const exchangeY = Number(orders.match(/<circle cx="\d+" cy="(\d+)"/)![1]);
  const firstQueue = svg.slice(svg.indexOf('data-name="orders.1"'));
  const queueTop = Number(firstQueue.match(/<rect x="\d+" y="(\d+)"/)![1]);
  assert.ok(Math.abs(exchangeY - queueTop) < 40, `the exchange by its first queue (${exchangeY})`);
  assert.match(svg, /<text x="\d+" y="\d+" text-anchor="end" class="key">order\.17\.#<\/text>/);
});

Deno.test("topologySvg: an empty vhost is a sentence, not an empty picture", () => {
  const t = topologyFrom({ ...tutorial3(), queues: [], bindings: [], exchanges: [] }, CONTEXT);
  assert.match(topologySvg(t), /Nothing to draw in vhost "\/": no queues, and no exchange in use/);
});

Deno.test("topologyLines: the same content as text, with how fresh the numbers are", () => {
  const lines = topologyLines(topologyFrom(tutorial3(), CONTEXT));
  assert.deepEqual(lines.slice(0, 6), [
    'RabbitMQ 3.10.8 · vhost "/" · management API http://127.0.0.1:15672',
    "Read 05:00:07 UTC. The broker updates these numbers every 5 s (its collect_statistics_interval, 5 s by default; --stats-interval if it is set otherwise): a rate is the average over the last 5 s",
    "",
    'Exchange "logs" (fanout): published to at 2.4/s',
    '  → queue "amq.gen-As8oPmuxvGbRWZ2wrhEtXw": 2.4/s',
    '  → queue "amq.gen-JzTY20BRgKO-HjmUJj0wLg": 2.4/s',
  ]);
  assert.ok(lines.includes(
    'Queue "amq.gen-As8oPmuxvGbRWZ2wrhEtXw" (classic, transient, exclusive, server-named): 0 ready, 0 unacked, in 2.4/s, out 2.4/s',
  ));
  assert.ok(lines.includes('  → C1 "receive_logs", auto-ack: 2.4/s'));
  assert.ok(
    lines.includes('Queue "task_queue" (quorum, durable): 0 ready, 0 unacked, in 0.0/s, out 0.0/s'),
  );
  assert.equal(lines.at(-1), 'Publishing now: "emit_log"');
});

Deno.test("pageHtml: no password, the view inside, the refresh every N seconds, the filter kept", () => {
  const t = topologyFrom(tutorial3(), CONTEXT);
  const page = pageHtml(viewHtml(t), { vhost: "/", refreshSeconds: 3, filter: '"x' });
  assert.match(page, /setInterval\(refresh, 3000\)/);
  assert.match(page, /value="&quot;x"/);
  assert.match(page, /<div id="view"><p class="heading">/);
  assert.doesNotMatch(page, /guest:guest|password/i);
});
