/**
 * The bench's clock, and what it reads from Linux's /proc: the wall time of
 * a timed run, the CPU time that the measured processes (a program with its
 * `deno task`, a peer, or the bench itself) and a broker on the same machine
 * spend in it, and a program's peak memory. Deno lets only a program with
 * --allow-all read /proc; elsewhere, or for a broker on another machine (or
 * in a container), those figures are left out.
 *
 * @module
 */
import process from "node:process";
import { brokerOverview, managementRequest } from "../lib/management.ts";
import { isLocalhost, urlParts } from "../lib/url.ts";
import { pollUntil } from "../tools/lib/poll.ts";

/**
 * One run's figures: `rate` (messages or calls per second) or `ms` (a
 * one-shot program's whole process); for RPC `p50Ms` and `p99Ms`; where
 * measured, `cpuUs` and `brokerCpuUs`, the CPU microseconds the measured
 * processes and the broker spent per message (or call).
 */
export type Sample = Record<string, number>;

/** Clock ticks per second in /proc/PID/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** A /proc file's text, or undefined: gone, or no /proc. */
const proc = (path: string) => {
  try {
    return Deno.readTextFileSync(`/proc/${path}`);
  } catch {
    return undefined;
  }
};

/** The process ids of `pid` and all its descendants, from /proc (Linux); `[pid]` elsewhere. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of Deno.readDirSync(`/proc/${tree[i]}/task`)) {
        const children = proc(`${tree[i]}/task/${task.name}/children`) ?? "";
        tree.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      // gone, or no /proc
    }
  }
  return tree;
}

/** The program's own process under `deno task`: the deepest of its tree (`deno run`). */
export const programPid = (taskPid: number) => processTree(taskPid).at(-1)!;

/** The peak resident memory (VmHWM) of a process in bytes, from /proc/PID/status, if readable. */
export function peakRssBytes(pid: number): number | undefined {
  const kB = proc(`${pid}/status`)?.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
  return kB === undefined ? undefined : Number(kB) * 1024;
}

/**
 * The user + system CPU time of process `pid` in milliseconds, from /proc,
 * if readable; with `reaped`, that of its children it has waited for.
 */
export function cpuMs(pid: string | number, reaped = false): number | undefined {
  // Fields after the ")" that ends the command name: state is the 1st, utime the 12th, stime
  // the 13th, cutime and cstime (the reaped children's) the 14th and 15th.
  const fields = proc(`${pid}/stat`)?.split(") ")[1].split(" ");
  if (!fields) return undefined;
  const [user, system] = reaped ? [fields[13], fields[14]] : [fields[11], fields[12]];
  return (Number(user) + Number(system)) * 1000 / TICKS_PER_SECOND;
}

/**
 * The CPU time of the processes `pids` and their descendants (a program
 * under `deno task`: both), in milliseconds, counting those that have exited
 * since (a producer done before its consumer): the CPU time of this
 * process's reaped children is in its own /proc/self/stat. Undefined without
 * /proc or processes to measure.
 */
export function treeCpuMs(pids: number[]): number | undefined {
  const reaped = cpuMs("self", true);
  if (pids.length === 0 || reaped === undefined) return undefined;
  return pids.flatMap(processTree).reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), reaped);
}

/**
 * The OS process id of the broker at `url` when it runs on this machine: the
 * management API names the node listening on the URL's port and that node's
 * `os_pid`, and /proc must show it is an Erlang VM (beam). Otherwise, why
 * the broker's CPU time cannot be measured. A node shows its `os_pid` only
 * once its first statistics are in, about 5 s after it started: `note` says
 * when that is waited for.
 */
export async function localBrokerPid(
  url: string,
  note: (text: string) => void,
): Promise<{ pid?: string; why?: string }> {
  if (!isLocalhost(url)) return { why: "the broker is not on this machine" };
  try {
    // Checked to be the URL's broker; of its nodes, the one that listens on our port.
    const { listeners } = await brokerOverview(url);
    const { port } = urlParts(url);
    const node = listeners.find((l) => l.port === port && l.protocol.startsWith("amqp"))?.node;
    if (!node) return { why: `its management API names no node listening on port ${port}` };
    const path = `/api/nodes/${encodeURIComponent(node)}?columns=os_pid`;
    const osPid = async () => (await managementRequest(url, path) as { os_pid?: string }).os_pid;
    let pid = await osPid();
    if (pid === undefined) {
      note(`Waiting for the first statistics of ${node}, which has just started ...`);
      const what = `the management API shows the OS process id of ${node}`;
      pid = await pollUntil(what, osPid, { timeoutMs: 30_000, intervalMs: 500 });
    }
    return proc(`${pid}/cmdline`)?.includes("beam")
      ? { pid }
      : { why: `process ${pid} of ${node} is not on this machine (in a container?)` };
  } catch (error) {
    return { why: `its management API could not tell (${(error as Error).message})` };
  }
}

/** The user + system CPU time of this process, in milliseconds. */
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Starts timing a run: wall time, the CPU time of the measured processes
 * (this one, unless `measuredCpuMs` reads others') and, if `brokerPid` is
 * given, the broker's.
 *
 * @example
 * ```ts
 * const clock = startClock(brokerPid, () => treeCpuMs([peer.pid]));
 * // ... the peer moves 50,000 messages ...
 * const { rate, cpuUs, brokerCpuUs } = clock.stop(50_000);
 * ```
 */
export function startClock(
  brokerPid?: string,
  measuredCpuMs: () => number | undefined = ownCpuMs,
) {
  const brokerCpuMs = () => brokerPid === undefined ? undefined : cpuMs(brokerPid);
  const start = performance.now();
  const measured = measuredCpuMs();
  const broker = brokerCpuMs();
  return {
    start,
    /** Ends the run after `count` messages: their rate, and CPU µs per message. */
    stop(count: number): Sample {
      const sample: Sample = { rate: count / ((performance.now() - start) / 1000) };
      if (count === 0) return sample;
      const measuredNow = measuredCpuMs();
      if (measured !== undefined && measuredNow !== undefined) {
        sample.cpuUs = (measuredNow - measured) * 1000 / count;
      }
      const brokerNow = brokerCpuMs();
      if (broker !== undefined && brokerNow !== undefined) {
        sample.brokerCpuUs = (brokerNow - broker) * 1000 / count;
      }
      return sample;
    },
  };
}
