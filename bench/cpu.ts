/**
 * Where the time goes, for `deno task bench`: the CPU time the bench process
 * (or the program it measures) and a broker on the same machine spend during
 * a timed run, per message.
 * The broker's is read from Linux's /proc/PID/stat, which Deno lets only a
 * program with --allow-all read; elsewhere, or for a broker on another
 * machine (or in a container), that figure is left out.
 *
 * @module
 */
import process from "node:process";
import { managementRequest } from "../lib/management.ts";
import { isLocalhost, urlParts } from "../lib/url.ts";
import { processTree } from "./child.ts";

/** Clock ticks per second in /proc/PID/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The user + system CPU time of this process, in milliseconds. */
function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The user + system CPU time of process `pid` in milliseconds, from /proc,
 * or undefined where it cannot be read.
 *
 * @example
 * ```ts
 * const ms = cpuMs("25579");
 * ```
 */
export function cpuMs(pid: string): number | undefined {
  try {
    // Fields after the ")" that ends the command name: state is the 1st, utime the 12th, stime the 13th.
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 1000 / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * The OS process id of the broker at `url` when it runs on this machine: the
 * management API names the node listening on the URL's port and that node's
 * `os_pid`, and /proc must show it is an Erlang VM (beam). Undefined
 * otherwise.
 *
 * @example
 * ```ts
 * const pid = await localBrokerPid("amqp://localhost"); // "25579"
 * ```
 */
export async function localBrokerPid(url: string): Promise<string | undefined> {
  if (!isLocalhost(url)) return undefined;
  try {
    const { port } = urlParts(url);
    const { listeners } = await managementRequest(url, "/api/overview?columns=listeners") as {
      listeners: { node: string; protocol: string; port: number }[];
    };
    // Not some other local broker's management API: its node must listen on our port.
    const node = listeners.find((l) => l.port === port && l.protocol.startsWith("amqp"))?.node;
    if (!node) return undefined;
    const path = `/api/nodes/${encodeURIComponent(node)}?columns=os_pid`;
    const { os_pid } = await managementRequest(url, path) as { os_pid: string };
    const command = Deno.readTextFileSync(`/proc/${os_pid}/cmdline`);
    return command.includes("beam") ? String(os_pid) : undefined;
  } catch {
    return undefined; // no management API, or no /proc: no broker figures
  }
}

/** A timed run's rate and, where measured, the CPU microseconds per message. */
export interface ClockReading {
  [figure: string]: number;
  /** Messages (or calls) per second. */
  rate: number;
}

/**
 * The user + system CPU time of process `pid` and its descendants (a
 * program under `deno task`: both), in milliseconds; undefined where /proc
 * cannot be read.
 *
 * @example
 * ```ts
 * const ms = treeCpuMs(program.pid);
 * ```
 */
export function treeCpuMs(pid: number): number | undefined {
  const times = processTree(pid).map((id) => cpuMs(String(id)));
  if (times.some((ms) => ms === undefined)) return undefined;
  return times.reduce((sum: number, ms) => sum + ms!, 0);
}

/**
 * Starts timing a run: wall time, the client's CPU time (this process's,
 * unless `clientCpuMs` reads another's) and, if `brokerPid` is given, the
 * broker's.
 *
 * @example
 * ```ts
 * const clock = startClock(settings.brokerPid);
 * // ... move 50,000 messages ...
 * const { rate, clientCpuUs, brokerCpuUs } = clock.stop(50_000);
 * ```
 */
export function startClock(
  brokerPid?: string,
  clientCpuMs: () => number | undefined = ownCpuMs,
) {
  const brokerCpuMs = () => brokerPid === undefined ? undefined : cpuMs(brokerPid);
  const start = performance.now();
  const client = clientCpuMs();
  const broker = brokerCpuMs();
  return {
    start,
    /** Ends the run after `count` messages: their rate, and CPU µs per message. */
    stop(count: number): ClockReading {
      const seconds = (performance.now() - start) / 1000;
      const reading: ClockReading = { rate: count / seconds };
      if (count === 0) return reading;
      const clientNow = clientCpuMs();
      if (client !== undefined && clientNow !== undefined) {
        reading.clientCpuUs = (clientNow - client) * 1000 / count;
      }
      const brokerNow = brokerCpuMs();
      if (broker !== undefined && brokerNow !== undefined) {
        reading.brokerCpuUs = (brokerNow - broker) * 1000 / count;
      }
      return reading;
    },
  };
}
