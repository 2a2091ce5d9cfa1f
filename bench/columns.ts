/**
 * Who does a job in the bench, a column of its tables: the program as a
 * person runs it (`deno task NAME`), or one of its peers in bench/peers/,
 * each a child process in a process group of its own (tools/lib/program.ts):
 *
 * - `bare`: a bare amqplib loop doing the same AMQP work (NAME.mjs on Deno);
 * - `pika`: the official Python tutorial's program with pika (NAME.py);
 * - `node`: the bare loop on Node.js, with the same amqplib files.
 *
 * A job's parameters reach the peers through the environment: QUEUE and
 * EXCHANGE (names of the job's own), COUNT, PREFETCH, QUEUE_TYPE, NODELAY.
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { output, succeeds } from "../tools/lib/command.ts";
import { Program, type ProgramOptions } from "../tools/lib/program.ts";
import { RunFailure } from "./measure.ts";

/** Who does a job: our program, or one of its peers. */
export type Column = "program" | "bare" | "pika" | "node";

/** What the progress lines call each column. */
export const COLUMN_NAMES: Record<Column, string> = {
  program: "the program",
  bare: "the bare amqplib loop",
  pika: "the pika program",
  node: "the loops on Node.js",
};

/** The broker, and what the columns run with. */
export interface BenchEnv {
  /** The broker URL, passed to every program and peer as AMQP_URL. */
  url: string;
  /** The broker's OS process id, when it runs on this machine: its CPU time. */
  brokerPid?: string;
  /** A python3 that has pika, if any. */
  python?: string;
  /** The node command, if any. */
  node?: string;
}

/** Names a column's job uses: the program gets them as flags, the peers as QUEUE / EXCHANGE. */
export interface Names {
  queue?: string;
  exchange?: string;
}

/** Options for {@link startColumn}. */
export interface StartOptions {
  /** Arguments after the flags. */
  args?: string[];
  /** The peers' parameters (COUNT, PREFETCH ...); the program takes flags in `args` instead. */
  env?: Record<string, string>;
  onLine?: ProgramOptions["onLine"];
  /** A consumer: a pika peer then runs line-buffered, as in a terminal. */
  longRunning?: boolean;
}

export const PEERS = new URL("./peers/", import.meta.url);
const peerFile = (name: string) => fromFileUrl(new URL(name, PEERS));

/**
 * Starts the task (a task name, which is also the peers' file name) as the
 * column does it: `deno task -q NAME --queue Q` for the program, the peer
 * file otherwise, with the names in the environment (QUEUE, EXCHANGE).
 *
 * @example
 * ```ts
 * const worker = await startColumn(env, "pika", "worker", { queue: "q" }, { longRunning: true });
 * ```
 */
export async function startColumn(
  bench: BenchEnv,
  column: Column,
  task: string,
  names: Names,
  options: StartOptions = {},
): Promise<Program> {
  const { args = [], onLine } = options;
  const env: Record<string, string> = { AMQP_URL: bench.url };
  if (column === "program") {
    const flags = Object.entries(names).flatMap(([name, value]) =>
      value ? [`--${name}`, value] : []
    );
    return await Program.start(task, [...flags, ...args], { env, onLine });
  }
  Object.assign(env, options.env, names.queue ? { QUEUE: names.queue } : {});
  if (names.exchange) env.EXCHANGE = names.exchange;
  if (column === "bare") {
    const permissions = ["--allow-net", "--allow-env", "--allow-read"];
    const command = ["run", "-q", ...permissions, peerFile(`${task}.mjs`), ...args];
    return Program.command(Deno.execPath(), command, { env, onLine });
  }
  if (column === "node") {
    return Program.command(bench.node!, [peerFile(`${task}.mjs`), ...args], { env, onLine });
  }
  env.PYTHONDONTWRITEBYTECODE = "1"; // no __pycache__ folder in bench/peers
  const launcher = options.longRunning ? [peerFile("_line_buffered.py")] : [];
  return Program.command(bench.python!, [...launcher, peerFile(`${task}.py`), ...args], {
    env,
    onLine,
  });
}

/**
 * What a child that failed said: its `error:` line (Deno's uncaught error),
 * else its last lines, without terminal colours.
 */
export function lastWords(running: Program): string {
  const lines = [...running.stdout, ...running.stderr]
    .map((line) => stripVTControlCharacters(line).trim()).filter(Boolean);
  return lines.find((line) => line.startsWith("error: ")) ?? lines.slice(-3).join(" | ");
}

/** Stops a long-running column as Ctrl+C does; our program must exit 0. */
export async function stopColumn(column: Column, running: Program, what: string) {
  const code = await running.stop("SIGINT");
  if (column === "program" && code !== 0) {
    throw new RunFailure(
      `${what} exited with code ${code} on Ctrl+C: ${lastWords(running)}`,
    );
  }
}

/**
 * The python3 to run the pika peers with: Debian's (/usr/bin/python3, where
 * python3-pika installs), else the first `python3` on PATH that has pika.
 * Installs python3-pika with apt-get when neither has it and this process
 * runs as root. Returns the command and pika's version, or why the pika
 * column is left out.
 */
export async function findPython(
  note: (text: string) => void,
): Promise<{ python?: string; pika?: string; why?: string }> {
  const pika = (python: string) =>
    output(python, ["-c", "import pika; print(pika.__version__)"]).then((v) => v?.trim());
  for (const python of ["/usr/bin/python3", "python3"]) {
    const version = await pika(python);
    if (version) return { python, pika: version };
  }
  const isRoot = Deno.uid() === 0;
  if (isRoot && await succeeds("apt-get", ["--version"])) {
    note("Installing python3-pika with apt-get, for the pika column ...");
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    const install = () => succeeds("apt-get", ["install", "-y", "-qq", "python3-pika"], { env });
    if (
      await install() || (await succeeds("apt-get", ["update", "-qq"], { env }) && await install())
    ) {
      const version = await pika("/usr/bin/python3");
      if (version) return { python: "/usr/bin/python3", pika: version };
    }
    return { why: "python3-pika is not installed, and apt-get could not install it" };
  }
  return {
    why: `python3-pika is not installed (apt-get install python3-pika${
      isRoot ? "; no apt-get here" : ", as root"
    })`,
  };
}

/**
 * The node command for the Node.js column, with bench/peers/node_modules/amqplib
 * linked to the very amqplib files Deno uses (its npm cache), so both runtimes
 * run the same amqplib version with no npm install. Returns the command and
 * its version, or why the column is left out.
 */
export async function findNode(): Promise<{ node?: string; version?: string; why?: string }> {
  const version = (await output("node", ["--version"]))?.trim();
  if (!version) return { why: "Node.js is not installed (no node on PATH)" };
  const resolved = import.meta.resolve("amqplib");
  if (!resolved.startsWith("file:")) return { why: `amqplib resolves to ${resolved}, not a file` };
  const amqplibDir = dirname(fromFileUrl(resolved));
  const modules = new URL("node_modules/", PEERS);
  const link = fromFileUrl(new URL("amqplib", modules));
  let current: string | undefined;
  try {
    current = Deno.readLinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== amqplibDir) {
    Deno.mkdirSync(modules, { recursive: true });
    try {
      Deno.removeSync(link, { recursive: true });
    } catch {
      // not there yet
    }
    Deno.symlinkSync(amqplibDir, link);
  }
  return { node: "node", version };
}
