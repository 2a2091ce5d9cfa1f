/**
 * The AMQP 1.0 programs against a client that is not rhea: Apache Qpid
 * Proton (Debian's python3-qpid-proton), in tests/peers/amqp10/proton_peer.py.
 * Proton sends what the programs receive and receives what they send (body,
 * durable header, routing key), asks amqp10:rpc_server by Direct Reply-To
 * and answers amqp10:rpc_client, and gets the outcomes docs/amqp10.md
 * describes (accepted, released, rejected) on its own. RabbitMQ 4.x only.
 */
import assert from "node:assert/strict";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  deleteExchanges,
  deleteQueues,
  ENV,
  queuesBoundTo,
  runTask,
  startReady,
  stopThenClean,
  testName,
  uniqueName,
  URL,
} from "./_helpers.ts";
import { NO_AMQP10, withAmqp10 } from "./peers/amqp10/support.ts";

const PEER = new globalThis.URL("./peers/amqp10/proton_peer.py", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

async function hasProton(): Promise<boolean> {
  try {
    const check = new Deno.Command(PYTHON, { args: ["-c", "import proton"], stderr: "null" });
    return (await check.output()).success;
  } catch {
    return false;
  }
}

const skip = NO_AMQP10 ??
  (await hasProton()
    ? undefined
    : "it needs python3-qpid-proton (apt-get install python3-qpid-proton)");

/** Runs the proton peer once; resolves with its stdout lines (it must exit 0 within 20 s). */
async function proton(...args: string[]): Promise<string[]> {
  const child = new Deno.Command(PYTHON, {
    args: [PEER, URL, ...args],
    stdin: "null",
    signal: AbortSignal.timeout(20_000),
  });
  const { code, stdout, stderr } = await child.output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  assert.equal(code, 0, `proton_peer.py ${args.join(" ")}: ${text(stderr)}`);
  return text(stdout).split("\n").filter((line) => line !== "");
}

function protonTest(name: string, fn: () => Promise<void>) {
  Deno.test({ name: testName(name, skip), ignore: skip !== undefined, fn });
}

protonTest(
  "proton -> amqp10:receive and amqp10:new_task -> proton: the bytes and the durable header",
  async () => {
    const queue = uniqueName("hello");
    const receiver = await startReady("amqp10:receive", ["--queue", queue], WAITING);
    try {
      assert.deepEqual(await proton("send", `/queues/${queue}`, "from proton ✓"), ["ACCEPTED"]);
      await receiver.waitFor("[x] Received 'from proton ✓'");
    } finally {
      await stopThenClean(receiver, async () => {});
    }
    try {
      const sent = await runTask("amqp10:new_task", ["--queue", queue, "from rhea..."], {
        env: ENV,
      });
      assert.equal(sent.code, 0, sent.stderr.join("\n"));
      await runTask("amqp10:send", ["--queue", queue, "not durable"], { env: ENV });
      assert.deepEqual(await proton("receive", `/queues/${queue}`, "2"), [
        `from rhea...|True|${queue}`,
        `not durable|False|${queue}`,
      ]);
    } finally {
      await deleteQueues(queue);
    }
  },
);

protonTest(
  "amqp10:emit_log_topic -> proton, through a queue bound over the management node: the routing key",
  async () => {
    const exchange = uniqueName("topic_logs");
    const queue = uniqueName("proton");
    try {
      const subscriber = await startReady(
        "amqp10:receive_logs_topic",
        ["--exchange", exchange, "kern.*"],
        WAITING_LOGS,
      );
      await stopThenClean(subscriber, async () => {}); // it declared the exchange as the program does
      await withAmqp10(async (_, management) => {
        await management.declareQueue(queue, { type: "quorum" });
        await management.bind({ exchange, queue, key: "kern.*" });
      });
      assert.deepEqual(await queuesBoundTo(exchange), [queue]);
      const sent = await runTask("amqp10:emit_log_topic", [
        "--exchange",
        exchange,
        "kern.critical",
        "A critical kernel error",
      ], { env: ENV });
      assert.deepEqual(sent.stdout, [" [x] Sent 'kern.critical':'A critical kernel error'"]);
      assert.deepEqual(await proton("receive", `/queues/${queue}`, "1"), [
        "A critical kernel error|False|kern.critical",
      ]);
    } finally {
      await deleteQueues(queue);
      await deleteExchanges(exchange);
    }
  },
);

protonTest(
  "proton asks amqp10:rpc_server by Direct Reply-To; amqp10:rpc_client gets proton's answer",
  async () => {
    const queue = uniqueName("rpc_queue");
    const server = await startReady("amqp10:rpc_server", ["--queue", queue], AWAITING_RPC);
    try {
      // The reply's correlation-id is the request's message-id, as the official requesters expect.
      assert.deepEqual(await proton("request", queue, "12"), ["144|True"]);
    } finally {
      await stopThenClean(server, async () => {});
    }
    const responder = new Deno.Command(PYTHON, {
      args: [PEER, URL, "respond", queue, "1"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(20_000),
    }).spawn();
    try {
      const asked = await runTask("amqp10:rpc_client", ["--queue", queue, "7"], { env: ENV });
      assert.equal(asked.code, 0, asked.stderr.join("\n"));
      assert.deepEqual(asked.stdout, [" [x] Requesting fib(7)", " [.] Got proton:7"]);
      const { code, stdout } = await responder.output();
      assert.equal(code, 0);
      assert.equal(new TextDecoder().decode(stdout).trim(), "answered 7");
    } finally {
      await deleteQueues(queue);
    }
  },
);

protonTest(
  "the AMQP 0-9-1 rpc_server copies correlation-id only: a requester that sets message-id alone gets no match",
  async () => {
    const queue = uniqueName("rpc_queue");
    const server = await startReady("rpc_server", ["--queue", queue], AWAITING_RPC);
    try {
      // The answer comes back (Direct Reply-To works across protocols), but not matched to its
      // request: the official AMQP 1.0 requesters set message-id; amqp10:rpc_client sets both.
      assert.deepEqual(await proton("request", queue, "14"), ["377|False"]);
    } finally {
      await stopThenClean(server, () => deleteQueues(queue));
    }
  },
);

protonTest(
  "proton gets the outcomes on its own: released when unroutable, rejected by a full reject-publish queue",
  async () => {
    const exchange = uniqueName("outcomes");
    const queue = uniqueName("outcomes");
    try {
      await withAmqp10(async (_, management) => {
        await management.declareExchange(exchange, { type: "fanout", durable: false });
        await management.declareQueue(queue, {
          type: "classic",
          arguments: { "x-max-length": 1, "x-overflow": "reject-publish" },
        });
      });
      assert.deepEqual(await proton("send", `/exchanges/${exchange}`, "nobody"), ["RELEASED"]);
      assert.deepEqual(await proton("send", `/queues/${queue}`, "fits"), ["ACCEPTED"]);
      assert.deepEqual(await proton("send", `/queues/${queue}`, "does not fit"), ["REJECTED"]);
    } finally {
      await deleteQueues(queue);
      await deleteExchanges(exchange);
    }
  },
);
