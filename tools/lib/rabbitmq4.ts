/**
 * The project's RabbitMQ 4.x without Docker, from Deno: runs `tools/rabbitmq4`
 * (Debian's rabbitmq-server in a chroot, several named nodes in one root)
 * with its progress lines passed on, and reads the records it keeps of the
 * nodes it started (`nodes/NODE/state.json`): which node, which version,
 * who started it, its ports and folder, and whether it still runs. The
 * installed rabbitmq-server that `deno task broker` starts gets a record
 * of the same format (`installed/state.json`). A test may restart or kill
 * a broker only if such a record says the project started it
 * ({@link startedNodeAt}).
 *
 * @module
 */
import { ProgramError } from "../../lib/program_error.ts";
import { isLocalhost, urlParts } from "../../lib/url.ts";

/** The script. */
export const RABBITMQ4 = new URL("../rabbitmq4", import.meta.url).pathname;

/** Where the roots and the nodes' folders are: `$RABBITMQ4_DIR`, else `/var/tmp/rabbitmq4`. */
export function rabbitmq4Dir(): string {
  return Deno.env.get("RABBITMQ4_DIR") || "/var/tmp/rabbitmq4";
}

/** A node's `state.json`, as `tools/rabbitmq4` writes it when the node has started. */
export interface NodeRecord {
  /** Short name, e.g. `rabbit4`. */
  name: string;
  /** Erlang node name, e.g. `rabbit4@localhost`. */
  node: string;
  /** The RabbitMQ version, e.g. `4.3.6`. */
  rabbitmq: string;
  /**
   * The Debian suite of its root: `sid` (RabbitMQ 4.3) or `trixie` (4.0);
   * `installed` for the machine's own rabbitmq-server.
   */
  debian: string;
  /** Who asked for it: `RABBITMQ4_STARTED_BY`, e.g. `.ci/run`, else `tools/rabbitmq4`. */
  startedBy: string;
  /** When it last started (ISO 8601, UTC). */
  startedAt: string;
  /** When it was stopped by `tools/rabbitmq4 stop`, or `null`. */
  stoppedAt: string | null;
  /** Its Erlang VM's process id while it runs, `null` once stopped. */
  pid: number | null;
  /** Its AMQP URL, e.g. `amqp://guest:guest@127.0.0.1:5672`. */
  url: string;
  /** Its management API, e.g. `http://127.0.0.1:15672`. */
  managementUrl: string;
  ports: { amqp: number; management: number; stream: number; distribution: number; epmd: number };
  /** Its folder (configuration, data, logs, this record). */
  folder: string;
  data: string;
  logs: string;
  /** Its conf.d files, e.g. `["10-rabbitmq-4.3-defaults.conf", "20-tutorials.conf"]`. */
  config: string[];
  /** The chroot it runs in (`/` for the installed broker). */
  root: string;
  /** A rabbitmqctl that acts on it. */
  rabbitmqctl: string;
}

/** A node's record, and whether its process runs now. */
export interface NodeState extends NodeRecord {
  /** True when the process of `pid` runs, in the node's root (not a reused process id). */
  running: boolean;
}

/**
 * The record of the installed `rabbitmq-server` that `deno task broker`
 * started (`$RABBITMQ4_DIR/installed/state.json`), in a node's format: the
 * tests may restart that broker, and `deno task broker stop` may stop it.
 */
export function installedRecordFile(dir = rabbitmq4Dir()): string {
  return `${dir}/installed/state.json`;
}

/** Writes a record in the format {@link nodeStates} reads (the installed broker's). */
export async function writeRecord(file: string, record: NodeRecord): Promise<void> {
  await Deno.mkdir(file.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(`${file}.tmp`, JSON.stringify(record, null, 2) + "\n");
  await Deno.rename(`${file}.tmp`, file);
}

/**
 * The nodes `tools/rabbitmq4` has started under `dir` (both roots), and the
 * installed broker `deno task broker` started, whether they run now or not.
 *
 * @example
 * ```ts
 * for (const node of await nodeStates()) console.log(node.node, node.running);
 * ```
 */
export function nodeStates(dir = rabbitmq4Dir()): Promise<NodeState[]> {
  return Promise.resolve(nodeStatesSync(dir));
}

/** {@link nodeStates}, synchronously (for {@link rabbitmqCommand}-like lookups). */
export function nodeStatesSync(dir = rabbitmq4Dir()): NodeState[] {
  const files: string[] = [];
  for (const suite of ["sid", "trixie"]) {
    const nodes = `${dir}/${suite}/root/var/lib/rabbitmq/nodes`;
    try {
      const names = [...Deno.readDirSync(nodes)].map((entry) => entry.name);
      for (const name of names.toSorted()) files.push(`${nodes}/${name}/state.json`);
    } catch {
      // no such root
    }
  }
  files.push(installedRecordFile(dir));
  const states: NodeState[] = [];
  for (const file of files) {
    let record: NodeRecord;
    try {
      record = JSON.parse(Deno.readTextFileSync(file));
    } catch {
      continue; // never started
    }
    states.push({ ...record, running: runsIn(record.pid, record.root) });
  }
  return states;
}

function runsIn(pid: number | null, root: string): boolean {
  if (pid === null) return false;
  try {
    // Through readlink: Deno lets a program read another process's /proc files only with
    // --allow-all, and the tasks that ask (deno task broker) have --allow-run.
    const link = new Deno.Command("readlink", { args: [`/proc/${pid}/root`], stderr: "null" })
      .outputSync();
    return link.success &&
      new TextDecoder().decode(link.stdout).trim() === Deno.realPathSync(root);
  } catch {
    return false; // no such root
  }
}

/**
 * The running node this project started that serves `url` (a localhost
 * URL on its AMQP port), or `undefined`: a broker the project did not
 * start is never restarted or killed by its tests.
 *
 * @example
 * ```ts
 * const node = await startedNodeAt("amqp://localhost:5672");
 * if (!node) console.log("not ours: the restart tests skip");
 * ```
 */
export function startedNodeAt(
  url: string,
  dir = rabbitmq4Dir(),
): Promise<NodeState | undefined> {
  return Promise.resolve(startedNodeAtSync(url, dir));
}

/** {@link startedNodeAt}, synchronously. */
export function startedNodeAtSync(url: string, dir = rabbitmq4Dir()): NodeState | undefined {
  if (!isLocalhost(url)) return undefined;
  const { port } = urlParts(url);
  return nodeStatesSync(dir).find((node) => node.running && node.ports.amqp === port);
}

/** Options for {@link rabbitmq4}. */
export interface Rabbitmq4Options {
  /** Where its progress lines go, without the `rabbitmq4: ` prefix (default: nowhere). */
  log?: (line: string) => void;
  /** Settings (`RABBITMQ4_DIR`, ports, `RABBITMQ4_STARTED_BY`), over the environment's. */
  env?: Record<string, string>;
}

/**
 * Runs `tools/rabbitmq4 ARGS` and resolves with its standard output; its
 * progress lines go to `log` as they come. When it fails, throws a
 * ProgramError with its error sentence.
 *
 * @example
 * ```ts
 * await rabbitmq4(["--node", "rabbit4", "start"], { log: console.log });
 * ```
 */
export async function rabbitmq4(args: string[], options: Rabbitmq4Options = {}): Promise<string> {
  const child = new Deno.Command("bash", {
    args: [RABBITMQ4, ...args],
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errors: string[] = [];
  const progress = (async () => {
    let pending = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        const text = line.replace(/^rabbitmq4: /, "");
        if (text.startsWith("ERROR: ")) errors.push(text.slice("ERROR: ".length));
        else if (text.trim()) options.log?.(text);
      }
    }
  })();
  const [output, status] = await Promise.all([new Response(child.stdout).text(), child.status]);
  await progress;
  if (!status.success) {
    throw new ProgramError(
      errors.at(-1) ?? `"tools/rabbitmq4 ${args.join(" ")}" failed (exit code ${status.code})`,
    );
  }
  return output;
}

/** The `RABBITMQ4_DIR` a node's record belongs to (its root is `DIR/SUITE/root`). */
export function recordDir(node: NodeRecord): string {
  return node.root.replace(/\/[^/]+\/root\/?$/, "");
}

/**
 * The options and settings that name a recorded node to `tools/rabbitmq4`
 * (its root, name, suite and ports), for {@link rabbitmq4}: `args` go
 * before the command, `env` is the settings.
 *
 * @example
 * ```ts
 * const { args, env } = nodeOptions(node);
 * await rabbitmq4([...args, "restart-app"], { env });
 * ```
 */
export function nodeOptions(node: NodeRecord): { args: string[]; env: Record<string, string> } {
  return {
    args: [
      "--node",
      node.name,
      "--port",
      String(node.ports.amqp),
      "--rabbitmq",
      node.debian === "trixie" ? "4.0" : "4.3",
    ],
    env: {
      RABBITMQ4_DIR: recordDir(node),
      RABBITMQ4_MGMT_PORT: String(node.ports.management),
      RABBITMQ4_STREAM_PORT: String(node.ports.stream),
      RABBITMQ4_DIST_PORT: String(node.ports.distribution),
      RABBITMQ4_EPMD_PORT: String(node.ports.epmd),
    },
  };
}

/**
 * The commands that act on a recorded node, as `tools/rabbitmq4 env`
 * exports them (`RABBITMQCTL`, `RABBITMQ_PLUGINS`, ... and `RABBITMQ_TMPDIR`,
 * a folder the node sees under the same path); none for the installed
 * broker, whose commands are on `PATH`.
 */
export function nodeCommands(node: NodeRecord): Record<string, string> {
  if (node.debian === "installed") return {};
  const bin = node.rabbitmqctl.replace(/\/rabbitmqctl$/, "");
  return {
    RABBITMQCTL: `${bin}/rabbitmqctl`,
    RABBITMQ_SERVER: `${bin}/rabbitmq-server`,
    RABBITMQ_PLUGINS: `${bin}/rabbitmq-plugins`,
    RABBITMQ_DIAGNOSTICS: `${bin}/rabbitmq-diagnostics`,
    RABBITMQ_TMPDIR: `${node.root}/tmp`,
  };
}
