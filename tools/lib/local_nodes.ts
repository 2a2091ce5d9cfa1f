/**
 * Local RabbitMQ nodes beside the machine's broker: a cluster of three
 * (`rabbit-1@localhost` to `rabbit-3@localhost`, AMQP on 5681-5683,
 * management on 15681-15683) for learners, the failover bench and the
 * tests, and other nodes of {@link localNode} (the tests' standalone node,
 * which they may `kill -9` without touching anyone's broker).
 *
 * They run from the project's RabbitMQ 4.x (tools/rabbitmq4, a Debian
 * chroot: the broker `deno task broker` starts as root on a Debian-family
 * machine), each with its folder and record there; the three cluster nodes
 * find each other at boot (classic config peer discovery). Where that
 * cannot run (not root, not Debian) or when asked (`rabbitmq: "installed"`),
 * they run from the machine's `rabbitmq-server` install instead, with their
 * data, logs and Erlang cookie under {@link CLUSTER_DIR}, and the cluster is
 * joined by hand (`join_cluster`). Nothing of the machine's broker (its
 * node, ports, data or cookie) is used or changed either way.
 *
 * Each node's Erlang process carries the argument `-tutorials_node NAME`,
 * so that `stop` and `kill` find it, and only it, by its process id. What
 * the running cluster says about itself (nodes, quorum queue leaders) is
 * read in tools/lib/cluster_state.ts.
 *
 * @module
 */
import { type Cli, cli, type Option, type ProgramSpec } from "../../lib/cli.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { CLUSTER_PORTS } from "../../lib/errors.ts";
import { brokerAnswers } from "./broker_answers.ts";
import { clusterNodes, quorumQueues } from "./cluster_state.ts";
import { run, succeeds } from "./command.ts";
import { PollTimeout, pollUntil } from "./poll.ts";
import { nodeOptions, type NodeState, nodeStatesSync, rabbitmq4 } from "./rabbitmq4.ts";

/** One local node. */
export interface LocalNode {
  /** Short name, e.g. `rabbit-1`. */
  name: string;
  /** Erlang node name, e.g. `rabbit-1@localhost`. */
  node: string;
  /** Its AMQP URL, e.g. `amqp://localhost:5681`. */
  url: string;
  /** AMQP port (listening on 127.0.0.1 only). */
  amqpPort: number;
  /** Management UI and API port (the AMQP port + 10,000), if the node runs the plugin. */
  managementPort?: number;
  /** Erlang distribution port (the AMQP port + 20,000, on 127.0.0.1 only). */
  distPort: number;
}

/** Where nodes run from the machine's install keep their data, logs and Erlang cookie. */
export const CLUSTER_DIR = "/var/tmp/tutorials-cluster";

/**
 * A local node of these ports: AMQP on `amqpPort`, the management API (if
 * `management`) on that port + 10,000, Erlang distribution on + 20,000.
 *
 * @example
 * ```ts
 * const solo = localNode("rabbit-solo", 5690, false); // amqp://localhost:5690
 * ```
 */
export function localNode(name: string, amqpPort: number, management: boolean): LocalNode {
  return {
    name,
    node: `${name}@localhost`,
    url: `amqp://localhost:${amqpPort}`,
    amqpPort,
    managementPort: management ? amqpPort + 10_000 : undefined,
    distPort: amqpPort + 20_000,
  };
}

/** The three nodes of `deno task cluster`: rabbit-1 to rabbit-3, on the ports lib/errors.ts names. */
export const CLUSTER_NODES: LocalNode[] = CLUSTER_PORTS.map((port, i) =>
  localNode(`rabbit-${i + 1}`, port, true)
);

/** The cluster's AMQP URLs, in the order programs try them. */
export const CLUSTER_URLS: string[] = CLUSTER_NODES.map((node) => node.url);

const MARKER = "-tutorials_node";
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/** The local RabbitMQ install the nodes run from. */
export interface LocalInstall {
  /** The folder of the real `rabbitmq-server` and `rabbitmqctl` scripts. */
  bin: string;
  /** Its version, e.g. `3.10.8`. */
  version: string;
}

let install: Promise<LocalInstall | undefined> | undefined;

/**
 * The local RabbitMQ install, or `undefined` if there is none. On Debian and
 * RPM systems the scripts of `/usr/lib/rabbitmq/bin` are used, not the
 * `/usr/sbin` wrappers, which would run the node as the `rabbitmq` user with
 * the machine broker's cookie and startup log.
 *
 * @example
 * ```ts
 * const found = await localInstall(); // { bin: "/usr/lib/rabbitmq/bin", version: "3.10.8" }
 * ```
 */
export function localInstall(): Promise<LocalInstall | undefined> {
  install ??= findInstall();
  return install;
}

async function findInstall(): Promise<LocalInstall | undefined> {
  const path = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  for (const bin of ["/usr/lib/rabbitmq/bin", ...path]) {
    let script: string;
    try {
      script = await Deno.realPath(`${bin}/rabbitmq-server`);
    } catch {
      continue;
    }
    if (script.endsWith("rabbitmq-script-wrapper")) continue; // Debian's /usr/sbin wrapper
    const fromPath = script.match(/rabbitmq_server-(\d+\.\d+\.\d+)/)?.[1];
    const version = fromPath ?? (await run(`${bin}/rabbitmqctl`, ["version"], ctlOptions())).trim();
    return { bin, version };
  }
  return undefined;
}

/** The local install, or a ProgramError saying how to get one. */
async function requireInstall(): Promise<LocalInstall> {
  const found = await localInstall();
  if (found) return found;
  throw new ProgramError(
    'No local rabbitmq-server to run the nodes from; install RabbitMQ (https://www.rabbitmq.com/docs/download), or with Docker run "docker compose -f compose.cluster.yaml up -d --wait"',
  );
}

/** Which RabbitMQ the local nodes run: the project's 4.x (`4.3`, `4.0`) or the machine's install. */
export type NodesFrom = "4.3" | "4.0" | "installed";

/** Where the local nodes come from, as decided by {@link nodesFrom}. */
export type Runtime =
  | { kind: "chroot"; rabbitmq?: "4.3" | "4.0" }
  | { kind: "installed"; install: LocalInstall };

/**
 * Where the nodes run from: where a node of these names has its data
 * already (a record of tools/rabbitmq4, or a folder under CLUSTER_DIR);
 * else what `wanted` says; else tools/rabbitmq4's RabbitMQ 4.x as root on a
 * Debian-family machine (debootstrap, or apt-get to install it); else the
 * machine's install. Throws a ProgramError saying how to get one.
 */
export async function nodesFrom(nodes: LocalNode[], wanted?: NodesFrom): Promise<Runtime> {
  const names = nodes.map((node) => node.name);
  const record = nodeStatesSync().find((state) => names.includes(state.name));
  if (record) return { kind: "chroot", rabbitmq: record.debian === "trixie" ? "4.0" : "4.3" };
  for (const node of nodes) {
    if (await hasData(node)) return { kind: "installed", install: await requireInstall() };
  }
  if (wanted === "installed") return { kind: "installed", install: await requireInstall() };
  if (wanted !== undefined || await chrootPossible()) {
    if (Deno.uid() !== 0) {
      throw new ProgramError(
        "RabbitMQ 4.x from tools/rabbitmq4 needs root (chroot, mount); run this as root, or without --rabbitmq to use the installed rabbitmq-server",
      );
    }
    return { kind: "chroot", rabbitmq: wanted };
  }
  return { kind: "installed", install: await requireInstall() };
}

/** Whether tools/rabbitmq4 can run here: root, and debootstrap or apt-get to install it. */
export async function chrootPossible(): Promise<boolean> {
  return Deno.uid() === 0 &&
    ((await succeeds("which", ["debootstrap"])) || (await succeeds("which", ["apt-get"])));
}

/** The record of a node of tools/rabbitmq4, if it was started there. */
function recordOf(node: LocalNode): NodeState | undefined {
  return nodeStatesSync().find((state) => state.name === node.name);
}

/** tools/rabbitmq4's options and settings for a node: its name, ports, and the cluster's peers. */
function chrootArgs(node: LocalNode, rabbitmq?: "4.3" | "4.0", startedBy?: string) {
  return {
    args: [
      "--node",
      node.name,
      "--port",
      String(node.amqpPort),
      ...(rabbitmq ? ["--rabbitmq", rabbitmq] : []),
      ...(CLUSTER_NODES.includes(node)
        ? ["--cluster", CLUSTER_NODES.map((n) => n.name).join(",")]
        : []),
    ],
    env: {
      ...(node.managementPort ? { RABBITMQ4_MGMT_PORT: String(node.managementPort) } : {}),
      RABBITMQ4_DIST_PORT: String(node.distPort),
      RABBITMQ4_STARTED_BY: startedBy ??
        (Deno.env.get("RABBITMQ4_STARTED_BY") || "deno task cluster"),
    },
  };
}

/**
 * The Erlang processes of the local nodes that run now, short name to
 * process id: every node of tools/rabbitmq4 and of this module, whatever
 * its name (see {@link clusterProcesses} for the cluster's).
 */
export async function nodeProcesses(): Promise<Map<string, number>> {
  const ps = await run("ps", ["-eww", "-o", "pid=,args="]);
  const found = new Map<string, number>();
  for (const line of ps.split("\n")) {
    const match = line.match(new RegExp(`^\\s*(\\d+)\\s.*\\s${MARKER}\\s+(\\S+)`));
    if (match) found.set(match[2], Number(match[1]));
  }
  return found;
}

/** The processes of the cluster's three nodes that run now: short name to process id. */
export async function clusterProcesses(): Promise<Map<string, number>> {
  const names = CLUSTER_NODES.map((node) => node.name);
  return new Map([...await nodeProcesses()].filter(([name]) => names.includes(name)));
}

function nodeDir(node: LocalNode): string {
  return `${CLUSTER_DIR}/${node.name}`;
}

/** The node's log file, for when it fails. */
function nodeLog(node: LocalNode): string {
  return `${nodeDir(node)}/log/${node.node}.log`;
}

/** Whether the node has data from an earlier start (it then rejoins its cluster by itself). */
async function hasData(node: LocalNode): Promise<boolean> {
  try {
    await Deno.stat(`${nodeDir(node)}/mnesia/${node.node}`);
    return true;
  } catch {
    return false;
  }
}

async function writeFiles(node: LocalNode): Promise<void> {
  const dir = nodeDir(node);
  await Deno.mkdir(`${dir}/log`, { recursive: true });
  await Deno.mkdir(`${dir}/mnesia`, { recursive: true });
  const cookie = `${CLUSTER_DIR}/.erlang.cookie`;
  try {
    await Deno.stat(cookie);
  } catch {
    // One cookie for all the nodes and for rabbitmqctl: nodes started together must not each
    // make up their own. Erlang insists that only its owner can read it.
    const secret = Array.from(crypto.getRandomValues(new Uint8Array(20)))
      .map((byte) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[byte % 26]).join("");
    await Deno.writeTextFile(cookie, secret, { mode: 0o600 });
    await Deno.chmod(cookie, 0o600);
  }
  // The machine's rabbitmq-env.conf may name a node or a port: an empty one instead.
  await Deno.writeTextFile(`${CLUSTER_DIR}/rabbitmq-env.conf`, "");
  const conf = [
    `listeners.tcp.1 = 127.0.0.1:${node.amqpPort}`,
    ...(node.managementPort
      ? [`management.tcp.ip = 127.0.0.1`, `management.tcp.port = ${node.managementPort}`]
      : []),
    // Fresher queue and node figures in the management API (default: every 5 s).
    "collect_statistics_interval = 1000",
  ];
  await Deno.writeTextFile(`${dir}/rabbitmq.conf`, conf.join("\n") + "\n");
  const plugins = node.managementPort ? "rabbitmq_management" : "";
  await Deno.writeTextFile(`${dir}/enabled_plugins`, `[${plugins}].\n`);
}

/** The environment of a node: its own name, ports, files, and nothing of the machine's broker. */
function serverEnv(node: LocalNode): Record<string, string> {
  const dir = nodeDir(node);
  return {
    ...ctlOptions().env,
    RABBITMQ_NODENAME: node.node,
    RABBITMQ_NODE_PORT: String(node.amqpPort),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_MNESIA_BASE: `${dir}/mnesia`,
    RABBITMQ_LOG_BASE: `${dir}/log`,
    RABBITMQ_CONFIG_FILE: `${dir}/rabbitmq.conf`,
    RABBITMQ_ADVANCED_CONFIG_FILE: `${dir}/advanced.config`,
    RABBITMQ_ENABLED_PLUGINS_FILE: `${dir}/enabled_plugins`,
    // Distribution on 127.0.0.1 only, and the marker that finds the process again.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:
      `-kernel inet_dist_use_interface {127,0,0,1} ${MARKER} ${node.name}`,
  };
}

/**
 * How rabbitmqctl runs for the nodes: with the cluster's cookie (in HOME)
 * and nothing else of this process's environment, from the cluster's folder
 * if it exists, else "/".
 */
function ctlOptions() {
  let cwd = "/";
  try {
    Deno.statSync(CLUSTER_DIR);
    cwd = CLUSTER_DIR;
  } catch {
    // not made yet
  }
  const env = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    LANG: Deno.env.get("LANG") ?? "C.UTF-8",
    HOME: CLUSTER_DIR,
    RABBITMQ_CONF_ENV_FILE: `${CLUSTER_DIR}/rabbitmq-env.conf`,
  };
  return { env, clearEnv: true, cwd };
}

/** Options for {@link startNode} and {@link startCluster}. */
export interface StartOptions {
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
  /** Which RabbitMQ fresh nodes run (default: see {@link nodesFrom}). */
  rabbitmq?: NodesFrom;
  /** Who starts them, for tools/rabbitmq4's records (default `$RABBITMQ4_STARTED_BY`, else `deno task cluster`). */
  startedBy?: string;
}

/**
 * Starts the node unless it runs already, and waits until it accepts AMQP
 * connections. A node with data from before (one that was killed) starts
 * on it: a cluster node rejoins its cluster, a standalone node finds its
 * durable queues and persistent messages again.
 *
 * @example
 * ```ts
 * await startNode(localNode("rabbit-solo", 5690, false)); // "started", or "running" if it was
 * ```
 */
export async function startNode(
  node: LocalNode,
  options: StartOptions = {},
): Promise<"started" | "running"> {
  const peers = CLUSTER_NODES.includes(node) ? CLUSTER_NODES : [node];
  return await startOn(await nodesFrom(peers, options.rabbitmq), node, options);
}

async function startOn(
  runtime: Runtime,
  node: LocalNode,
  options: StartOptions,
): Promise<"started" | "running"> {
  if ((await nodeProcesses()).has(node.name)) {
    await waitUntilAnswers(node, undefined);
    return "running";
  }
  if (runtime.kind === "chroot") {
    options.log?.(`Starting ${node.node} (AMQP port ${node.amqpPort}) ...`);
    const { args, env } = chrootArgs(node, runtime.rabbitmq, options.startedBy);
    await rabbitmq4([...args, "start"], { env });
    return "started";
  }
  const { bin } = runtime.install;
  await Deno.mkdir(CLUSTER_DIR, { recursive: true });
  await writeFiles(node);
  options.log?.(`Starting ${node.node} (AMQP port ${node.amqpPort}) ...`);
  const child = new Deno.Command(`${bin}/rabbitmq-server`, {
    cwd: CLUSTER_DIR,
    clearEnv: true,
    env: serverEnv(node),
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true, // a session of its own: it outlives this process, and Ctrl+C here
  }).spawn();
  child.unref();
  let exited = false;
  child.status.then(() => exited = true);
  await waitUntilAnswers(node, () => exited);
  return "started";
}

async function waitUntilAnswers(node: LocalNode, exited: (() => boolean) | undefined) {
  try {
    await pollUntil(`${node.node} accepts connections`, async () => {
      if (exited?.()) throw new ProgramError(await bootFailure(node));
      return await brokerAnswers(node.url);
    }, { timeoutMs: START_TIMEOUT_MS, intervalMs: 250 });
  } catch (error) {
    if (!(error instanceof PollTimeout)) throw error;
    throw new ProgramError(
      `${node.node} did not accept connections within ${START_TIMEOUT_MS / 1000} s; see its log ${
        nodeLog(node)
      }`,
    );
  }
}

/** Why a node stopped while it booted, from its log. */
async function bootFailure(node: LocalNode): Promise<string> {
  let reason = "it stopped while starting";
  try {
    const log = await Deno.readTextFile(nodeLog(node));
    const error = log.split("\n").reverse().find((line) => /\bERROR: /.test(line));
    if (error) reason = error.replace(/^.*?ERROR: /, "");
  } catch {
    // no log written
  }
  return `${node.node} did not start: ${reason}; see ${nodeLog(node)}`;
}

/**
 * Runs `rabbitmqctl` against one of the local nodes (with the cluster's
 * cookie) and returns its standard output; throws a ProgramError with its
 * last lines of error output when it fails. For the broker at a URL, see
 * `brokerCtl` (tools/lib/broker.ts).
 *
 * @example
 * ```ts
 * await nodeCtl(CLUSTER_NODES[1], ["stop_app"]);
 * ```
 */
export async function nodeCtl(node: LocalNode, args: string[]): Promise<string> {
  const record = recordOf(node);
  if (record) return await run(record.rabbitmqctl, args);
  const { bin } = await requireInstall();
  return await run(`${bin}/rabbitmqctl`, ["-n", node.node, ...args], ctlOptions());
}

/** What {@link startCluster} did. */
export interface ClusterStart {
  /** The nodes it started (none when the whole cluster already ran). */
  started: LocalNode[];
  /** The nodes it joined to the cluster (the fresh ones but the first). */
  joined: LocalNode[];
  /** The RabbitMQ version the nodes run. */
  version: string;
  /** Where they run from, and where their data and logs are, for people. */
  where: string;
}

/**
 * Starts the three nodes of the cluster (those that are not running) at
 * once, and waits until the management API lists all three as running.
 * Nodes of tools/rabbitmq4 form the cluster as they boot; fresh nodes of
 * the machine's install are joined to the first (`rabbitmqctl stop_app`,
 * `join_cluster`, `start_app`). A node that was killed restarts on its data
 * and rejoins by itself. Running it again while the cluster runs changes
 * nothing.
 *
 * @example
 * ```ts
 * const { started } = await startCluster({ log: console.log });
 * ```
 */
export async function startCluster(options: StartOptions = {}): Promise<ClusterStart> {
  const runtime = await nodesFrom(CLUSTER_NODES, options.rabbitmq);
  if (runtime.kind === "chroot") {
    const running = await nodeProcesses();
    const toStart = CLUSTER_NODES.filter((node) => !running.has(node.name));
    // All at once: a node waits for its peers while it boots, fresh or not.
    await Promise.all(toStart.map((node) => startOn(runtime, node, options)));
    await waitForRunningNodes(CLUSTER_NODES.length);
    if (toStart.length > 0 && toStart.length < CLUSTER_NODES.length) await replicasOnline();
    const record = recordOf(CLUSTER_NODES[0])!;
    const folder = record.folder.replace(/\/[^/]+$/, "");
    return {
      started: toStart,
      joined: [],
      version: record.rabbitmq,
      where:
        `tools/rabbitmq4 (Debian ${record.debian}); data and logs in ${folder}/rabbit-1 to rabbit-3`,
    };
  }
  const { version } = runtime.install;
  const running = await nodeProcesses();
  const fresh = new Set<LocalNode>();
  for (const node of CLUSTER_NODES) if (!(await hasData(node))) fresh.add(node);
  const toStart = CLUSTER_NODES.filter((node) => !running.has(node.name));
  // Several at once: a node that was part of the cluster waits for its peers while it boots.
  await Promise.all(toStart.map((node) => startOn(runtime, node, options)));

  // The first node with data is the seed, else rabbit-1; the other fresh nodes join it.
  const seed = CLUSTER_NODES.find((node) => !fresh.has(node)) ?? CLUSTER_NODES[0];
  // Both at once (about 10 s each here: stop_app alone takes 6 s); the seed serialises them.
  const joined = CLUSTER_NODES.filter((node) => node !== seed && fresh.has(node));
  await Promise.all(joined.map(async (node) => {
    options.log?.(`Joining ${node.node} to the cluster of ${seed.node} ...`);
    await nodeCtl(node, ["stop_app"]);
    await nodeCtl(node, ["join_cluster", seed.node]);
    await nodeCtl(node, ["start_app"]);
    await waitUntilAnswers(node, undefined);
  }));
  await waitForRunningNodes(CLUSTER_NODES.length);
  if (toStart.length > 0 && joined.length === 0) await replicasOnline();
  return {
    started: toStart,
    joined,
    version,
    where: `${runtime.install.bin}/rabbitmq-server ${version}; data and logs in ${CLUSTER_DIR}`,
  };
}

/** A node that comes back restarts its quorum queue replicas, which catch up with their leader. */
async function replicasOnline(): Promise<void> {
  await pollUntil("every quorum queue has all its replicas online", async () => {
    const queues = await quorumQueues(CLUSTER_URLS).catch(() => undefined);
    return queues?.every((queue) => queue.online.length === queue.members.length);
  }, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => {}); // status will tell
}

/** Waits until the management API of a running node lists `count` running cluster nodes. */
async function waitForRunningNodes(count: number, timeoutMs = 60_000): Promise<void> {
  try {
    await pollUntil(`${count} cluster nodes run`, async () => {
      const nodes = await clusterNodes(CLUSTER_URLS).catch(() => []);
      return nodes.filter((node) => node.running).length === count;
    }, { timeoutMs, intervalMs: 250 });
  } catch (error) {
    if (!(error instanceof PollTimeout)) throw error;
    throw new ProgramError(
      `The cluster did not have ${count} running nodes within ${
        timeoutMs / 1000
      } s; see the nodes' logs (where "deno task cluster start" said), or start afresh with "deno task cluster stop" then "deno task cluster start"`,
    );
  }
}

/**
 * Stops the nodes and deletes their data and logs: `tools/rabbitmq4 delete`
 * for its nodes; for the others SIGTERM (which a node takes as a clean
 * shutdown; SIGKILL for one still running after a minute), waiting until
 * their processes are gone, then their folders, and with nothing left
 * running, the whole of {@link CLUSTER_DIR}.
 *
 * @example
 * ```ts
 * await stopNodes(CLUSTER_NODES);
 * ```
 */
export async function stopNodes(
  nodes: LocalNode[],
  options: StartOptions = {},
): Promise<LocalNode[]> {
  let running = await nodeProcesses();
  const recorded = nodes.flatMap((node) => {
    const record = recordOf(node);
    return record ? [{ node, record }] : [];
  });
  await Promise.all(recorded.map(async ({ node, record }) => {
    if (running.has(node.name)) {
      options.log?.(`Stopping ${node.node} (process ${running.get(node.name)}) ...`);
    }
    const { args, env } = nodeOptions(record);
    await rabbitmq4([...args, "delete"], { env });
  }));
  const stoppedThere = recorded.map(({ node }) => node).filter((node) => running.has(node.name));
  running = await nodeProcesses();
  const stopping = nodes.filter((node) => running.has(node.name));
  for (const node of stopping) {
    options.log?.(`Stopping ${node.node} (process ${running.get(node.name)}) ...`);
    signal(running.get(node.name)!, "SIGTERM");
  }
  const gone = async () => {
    const now = await nodeProcesses();
    return stopping.every((node) => now.get(node.name) !== running.get(node.name));
  };
  try {
    await pollUntil("the nodes stopped", gone, { timeoutMs: STOP_TIMEOUT_MS, intervalMs: 200 });
  } catch (error) {
    if (!(error instanceof PollTimeout)) throw error;
    for (const node of stopping) signal(running.get(node.name)!, "SIGKILL");
    await pollUntil("the nodes stopped", gone, { timeoutMs: 10_000, intervalMs: 200 });
  }
  for (const node of nodes) await Deno.remove(nodeDir(node), { recursive: true }).catch(() => {});
  // The cookie and the empty rabbitmq-env.conf go with the last node's folder.
  const left = await Array.fromAsync(Deno.readDir(CLUSTER_DIR)).catch(() => []);
  if (!left.some((entry) => entry.isDirectory)) {
    await Deno.remove(CLUSTER_DIR, { recursive: true }).catch(() => {});
  }
  return [...stoppedThere, ...stopping];
}

/** What {@link killNode} did. */
export interface Killed {
  /** The process id of the node's Erlang VM. */
  pid: number;
  /** When the signal went, in `performance.now()` time. */
  at: number;
}

/**
 * Kills the node's Erlang process with SIGKILL (`kill -9`), as a crash or a
 * power cut would: no clean shutdown, no goodbye to clients or peers. Waits
 * until the process is gone. `beforeSignal` runs just before the signal
 * goes, e.g. to note how far a publisher got.
 *
 * @example
 * ```ts
 * const { pid } = await killNode(CLUSTER_NODES[0]);
 * ```
 */
export async function killNode(
  node: LocalNode,
  options: { beforeSignal?: () => void } = {},
): Promise<Killed> {
  const pid = (await nodeProcesses()).get(node.name);
  if (pid === undefined) throw new ProgramError(`${node.node} is not running`);
  options.beforeSignal?.();
  const at = performance.now();
  signal(pid, "SIGKILL");
  await pollUntil(
    `process ${pid} of ${node.node} is gone`,
    async () => (await nodeProcesses()).get(node.name) !== pid,
    { intervalMs: 50 },
  );
  return { pid, at };
}

function signal(pid: number, name: Deno.Signal) {
  try {
    Deno.kill(pid, name);
  } catch {
    // exited meanwhile
  }
}

/** The ports a node listens on now, of its AMQP, management and distribution ports. */
export async function openPorts(node: LocalNode): Promise<number[]> {
  const ports = [node.amqpPort, node.managementPort, node.distPort].filter((p) => p !== undefined);
  const open: number[] = [];
  for (const port of ports) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      open.push(port);
    } catch {
      // closed
    }
  }
  return open;
}

/** The cluster's node of a node name such as `rabbit-2@localhost`, or of a short name `rabbit-2`. */
export function localNodeNamed(name: string): LocalNode | undefined {
  return CLUSTER_NODES.find((node) => node.node === name || node.name === name);
}

/**
 * Waits until the local node has written its replica of the new quorum
 * queue to its Ra name registry (`names.dets`), and says whether it did.
 * RabbitMQ 3.10 writes it about a second after the queue is declared; a
 * `kill -9` before then leaves that replica empty and leaderless after the
 * restart (the node starts it afresh, under a new id), so a test that means
 * to show what survives a crash lets the queue get that far first, as any
 * queue that has existed for more than a moment has. Resolves `false` after
 * `timeoutMs` if the node keeps its registry elsewhere (another version).
 */
export async function queueOnDisk(
  node: LocalNode,
  queue: string,
  options: { vhost?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  const data = recordOf(node)?.data ?? `${nodeDir(node)}/mnesia`;
  const file = `${data}/${node.node}/quorum/${node.node}/names.dets`;
  const name = `${encodeURIComponent(options.vhost ?? "/")}_${queue}`;
  const written = async () => {
    try {
      return new TextDecoder("latin1").decode(await Deno.readFile(file)).includes(name);
    } catch {
      return false;
    }
  };
  try {
    return await pollUntil(`${node.node} has written "${queue}" to disk`, written, {
      timeoutMs: options.timeoutMs ?? 10_000,
      intervalMs: 100,
    });
  } catch (error) {
    if (error instanceof PollTimeout) return false;
    throw error;
  }
}

/**
 * `cli()` for the cluster's tools (`deno task cluster`, `deno task
 * bench:failover`): the same flags, help and usage errors, except that
 * without `--url` the brokers are the cluster's three nodes, whatever
 * AMQP_URL says. `check` may throw a usage ProgramError about the
 * positional arguments.
 */
export function clusterCli<O extends Record<string, Option>>(
  name: string,
  spec: ProgramSpec<O>,
  check: (positionals: string[]) => void = () => {},
): Cli<O> {
  const parsed = cli(name, {
    ...spec,
    brokers: {
      urls: CLUSTER_URLS.join(","),
      description: "the cluster's three nodes, amqp://localhost:5681 to :5683",
    },
  });
  check(parsed.positionals); // a usage error goes to the handler cli() installed
  return parsed;
}
