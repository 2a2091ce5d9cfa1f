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
  assertExit,
  BROKER_URL,
  queuesBoundTo,
  runOk,
  startReady,
  stopped,
  testExchange,
  testQueue,
} from "./_helpers.ts";
import { amqp10, amqp10Test, NO_AMQP10 } from "./peers/amqp10/support.ts";

const PEER = new URL("./peers/amqp10/proton_peer.py", import.meta.url).pathname;
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

/** The proton peer with `args`, to run once or to start. */
function peer(...args: string[]): Deno.Command {
  return new Deno.Command(PYTHON, {
    args: [PEER, BROKER_URL, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  });
}

/** Runs the proton peer once; resolves with its stdout lines (it must exit 0 within 20 s). */
async function proton(...args: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await peer(...args).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  assert.equal(code, 0, `proton_peer.py ${args.join(" ")}: ${text(stderr)}`);
  return text(stdout).split("\n").filter((line) => line !== "");
}

amqp10Test(
  "proton -> amqp10:receive and amqp10:new_task -> proton: the bytes and the durable header",
  async () => {
    await using queue = testQueue("hello");
    {
      await using receiver = await startReady("amqp10:receive", ["--queue", queue.name], WAITING);
      assert.deepEqual(await proton("send", `/queues/${queue.name}`, "from proton ✓"), [
        "ACCEPTED",
      ]);
      await receiver.waitFor("[x] Received 'from proton ✓'");
    }
    await runOk("amqp10:new_task", ["--queue", queue.name, "from rhea..."]);
    await runOk("amqp10:send", ["--queue", queue.name, "not durable"]);
    assert.deepEqual(await proton("receive", `/queues/${queue.name}`, "2"), [
      `from rhea...|True|${queue.name}`,
      `not durable|False|${queue.name}`,
    ]);
  },
  skip,
);

amqp10Test(
  "amqp10:emit_log_topic -> proton, through a queue bound over the management node: the routing key",
  async () => {
    await using exchange = testExchange("topic_logs");
    await using queue = testQueue("proton");
    // The program declares the exchange as the tutorial does; its own queue goes when it stops.
    await using subscriber = await startReady(
      "amqp10:receive_logs_topic",
      ["--exchange", exchange.name, "kern.*"],
      WAITING_LOGS,
    );
    assertExit(await stopped(subscriber), 0);
    {
      await using mine = await amqp10();
      await mine.management.declareQueue(queue.name, { type: "quorum" });
      await mine.management.bind({ exchange: exchange.name, queue: queue.name, key: "kern.*" });
    }
    assert.deepEqual(await queuesBoundTo(exchange.name), [queue.name]);
    const args = ["--exchange", exchange.name, "kern.critical", "A critical kernel error"];
    assert.deepEqual(await runOk("amqp10:emit_log_topic", args), [
      " [x] Sent 'kern.critical':'A critical kernel error'",
    ]);
    assert.deepEqual(await proton("receive", `/queues/${queue.name}`, "1"), [
      "A critical kernel error|False|kern.critical",
    ]);
  },
  skip,
);

amqp10Test(
  "proton asks amqp10:rpc_server by Direct Reply-To; amqp10:rpc_client gets proton's answer",
  async () => {
    await using queue = testQueue("rpc_queue");
    {
      await using _server = await startReady(
        "amqp10:rpc_server",
        ["--queue", queue.name],
        AWAITING_RPC,
      );
      // The reply's correlation-id is the request's message-id, as the official requesters expect.
      assert.deepEqual(await proton("request", queue.name, "12"), ["144|True"]);
    }
    const responder = peer("respond", queue.name, "1").spawn();
    assert.deepEqual(await runOk("amqp10:rpc_client", ["--queue", queue.name, "7"]), [
      " [x] Requesting fib(7)",
      " [.] Got proton:7",
    ]);
    const { code, stdout } = await responder.output();
    assert.equal(code, 0);
    assert.equal(new TextDecoder().decode(stdout).trim(), "answered 7");
  },
  skip,
);

amqp10Test(
  "the AMQP 0-9-1 rpc_server copies correlation-id only: a requester that sets message-id alone gets no match",
  async () => {
    await using queue = testQueue("rpc_queue");
    await using _server = await startReady("rpc_server", ["--queue", queue.name], AWAITING_RPC);
    // The answer comes back (Direct Reply-To works across protocols), but not matched to its
    // request: the official AMQP 1.0 requesters set message-id; amqp10:rpc_client sets both.
    assert.deepEqual(await proton("request", queue.name, "14"), ["377|False"]);
  },
  skip,
);

amqp10Test(
  "proton gets the outcomes on its own: released when unroutable, rejected by a full reject-publish queue",
  async () => {
    await using exchange = testExchange("outcomes");
    await using queue = testQueue("outcomes");
    {
      await using mine = await amqp10();
      await mine.management.declareExchange(exchange.name, { type: "fanout", durable: false });
      await mine.management.declareQueue(queue.name, {
        type: "classic",
        arguments: { "x-max-length": 1, "x-overflow": "reject-publish" },
      });
    }
    assert.deepEqual(await proton("send", `/exchanges/${exchange.name}`, "nobody"), ["RELEASED"]);
    assert.deepEqual(await proton("send", `/queues/${queue.name}`, "fits"), ["ACCEPTED"]);
    assert.deepEqual(await proton("send", `/queues/${queue.name}`, "does not fit"), ["REJECTED"]);
  },
  skip,
);
