/**
 * How fast an RPC server answers: the bench is its one caller, making calls
 * fib(30) one after the other on a connection of its own and timing each
 * (calls per second, p50 and p99 of the call latency); the CPU time is the
 * server's.
 *
 * @module
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { socketOptions } from "../lib/connect.ts";
import { AWAITING_RPC } from "../tools/lib/ready_lines.ts";
import { type Sample, startClock, treeCpuMs } from "./clock.ts";
import { type BenchEnv, type Column, lastWords, startColumn, stopColumn } from "./columns.ts";
import { percentile, RunFailure, within } from "./measure.ts";
import { deleteQueue, uniqueName } from "./queues.ts";

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
    const connection = await amqp.connect(
      env.url,
      socketOptions(env.url, { name: "bench: caller", noDelay: !job.nagle }),
    );
    try {
      const channel = await connection.createChannel();
      // The ready line comes just before the server asks to consume: wait for its consumer.
      const deadline = performance.now() + 20_000;
      while ((await channel.checkQueue(queue)).consumerCount === 0) {
        if (performance.now() > deadline) throw new RunFailure("rpc_server never consumed");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true });
      let waiting: { id: string; done: (body: string) => void } | undefined;
      await channel.consume(replyQueue, (msg) => {
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
        channel.sendToQueue(queue, Buffer.from(String(RPC_N)), {
          correlationId: id,
          replyTo: replyQueue,
        });
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
    } finally {
      await connection.close().catch(() => {});
    }
  } finally {
    await stopColumn(column, server, "rpc_server");
    await deleteQueue(env.url, queue);
  }
}
