/**
 * The /proc readings the bench takes of a running program or peer (both
 * started by tools/lib/program.ts, in a process group of their own): its
 * process tree, the program's own process under `deno task`, and its peak
 * memory.
 *
 * @module
 */
import type { Program } from "../tools/lib/program.ts";

/** A running program or peer: both are started by tools/lib/program.ts. */
export type Running = Program;

/** The process ids of `pid` and all its descendants, from /proc (Linux); `[pid]` elsewhere. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of Deno.readDirSync(`/proc/${tree[i]}/task`)) {
        const children = Deno.readTextFileSync(`/proc/${tree[i]}/task/${task.name}/children`);
        tree.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      // gone, or no /proc
    }
  }
  return tree;
}

/**
 * The process of the program itself under `deno task`: the deepest `deno`
 * process of the tree (deno task starts `deno run` as its child).
 */
export function programPid(taskPid: number): number {
  const tree = processTree(taskPid);
  return tree.at(-1)!;
}

/**
 * The peak resident memory (VmHWM) of a process, in bytes, from
 * /proc/PID/status; undefined where it cannot be read.
 */
export function peakRssBytes(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kB = status.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    return kB === undefined ? undefined : Number(kB) * 1024;
  } catch {
    return undefined;
  }
}
