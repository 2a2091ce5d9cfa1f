/**
 * How fast an RPC server answers: the bench is its one caller, making calls
 * fib(30) one after the other on a connection of its own, asking for the
 * replies by Direct Reply-To as rpc_client does, and timing each (calls per
 * second, p50 and p99 of the call latency); the CPU time is the server's.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { AWAITING_RPC } from "../tools/lib/ready_lines.ts";
import { type Sample, startClock, treeCpuMs } from "./clock.ts";
import { type BenchEnv, type Column, lastWords, startColumn, stopColumn } from "./columns.ts";
import { percentile, RunFailure, within } from "./measure.ts";
import { deleteQueue, uniqueName, withChannel } from "./queues.ts";

/** Direct Reply-To's pseudo-queue: the replies come straight to the caller's channel. */
const REPLY_TO = "amq.rabbitmq.reply-to";

/** The n the RPC jobs ask for, as tutorial 6's client does: fib(30) = 832040. */
export const RPC_N = 30;
export const RPC_ANSWER = "832040";

/** What the caller does. */
export interface Calls {
  calls: number;
  /** Stop calling after this many milliseconds. */
  limitMs?: number;
  /** The bare server on a classic queue (QUEUE_TYPE=classic) instead of the quorum rpc_queue. */
  classic?: boolean;
  /** Nagle's algorithm on, in the bare server (NODELAY=0) and the caller: amqplib's default. */
  nagle?: boolean;
}

/** Starts the column's rpc_server, calls it `calls` times (or until `limitMs`), and times it. */
export async function rpcCalls(env: BenchEnv, column: Column, job: Calls): Promise<Sample> {
  const queue = uniqueName("rpc");
  const server = await startColumn(env, column, "rpc_server", { queue }, {
    env: {
      ...(job.classic ? { QUEUE_TYPE: "classic" } : {}),
      ...(job.nagle ? { NODELAY: "0" } : {}),
    },
    longRunning: true,
  });
  try {
    await server.waitFor(AWAITING_RPC).catch(() => {
      throw new RunFailure(`rpc_server (${column}) did not start: ${lastWords(server)}`);
    });
    return await withChannel(env.url, async (channel) => {
      // The ready line comes just before the server asks to consume: wait for its consumer.
      const deadline = performance.now() + 20_000;
      while ((await channel.checkQueue(queue)).consumerCount === 0) {
        if (performance.now() > deadline) throw new RunFailure("rpc_server never consumed");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Direct Reply-To, as rpc_client: consumed (noAck) before a request names it as reply_to.
      let waiting: { id: string; done: (body: string) => void } | undefined;
      await channel.consume(REPLY_TO, (msg) => {
        if (waiting && msg?.properties.correlationId === waiting.id) {
          waiting.done(msg.content.toString());
        }
      }, { noAck: true });

      const latencies: number[] = [];
      const clock = startClock(env.brokerPid, () => treeCpuMs([server.pid]));
      const end = clock.start + (job.limitMs ?? Infinity);
      while (latencies.length < job.calls && performance.now() < end) {
        const id = crypto.randomUUID();
        const sentAt = performance.now();
        const reply = new Promise<string>((done) => waiting = { id, done });
        const request = Buffer.from(String(RPC_N));
        channel.sendToQueue(queue, request, { correlationId: id, replyTo: REPLY_TO });
        const what = `the reply of rpc_server (${column}) to call ${latencies.length + 1}`;
        const body = await within(reply, what, 10_000);
        if (body !== RPC_ANSWER) {
          throw new RunFailure(`rpc_server (${column}) answered "${body}" to fib(${RPC_N})`);
        }
        latencies.push(performance.now() - sentAt);
      }
      const sample = clock.stop(latencies.length);
      latencies.sort((a, b) => a - b);
      return { ...sample, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
    }, { name: "bench: caller", nagle: job.nagle });
  } finally {
    await stopColumn(column, server, "rpc_server");
    await deleteQueue(env.url, queue);
  }
}
