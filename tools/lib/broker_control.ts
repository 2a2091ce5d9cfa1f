/**
 * Which brokers this project may restart, reconfigure or stop, and doing
 * it: only those it started itself. A broker the project did not start (a
 * course's server on a learner's machine, the distribution's service) is
 * used, never restarted, stopped or changed with `rabbitmqctl`.
 *
 * What the project started, it knows from a record: the state.json of a
 * `tools/rabbitmq4` node (tools/lib/rabbitmq4.ts), the record of the
 * installed rabbitmq-server that `deno task broker` started (same format),
 * or the `rabbitmq` service of this project's compose.yaml publishing the
 * URL's port. A person may hand the tests another broker explicitly by
 * naming its `rabbitmqctl` in `RABBITMQCTL` (as `tools/rabbitmq4 env` does).
 *
 * @module
 */
import { ProgramError } from "../../lib/program_error.ts";
import { isLocalhost, maskUrl, urlParts } from "../../lib/url.ts";
import { waitForBroker } from "./broker_answers.ts";
import { run } from "./command.ts";
import { ComposeProject, findCompose, runCommand } from "./compose.ts";
import { PollTimeout, pollUntil } from "./poll.ts";
import {
  installedRecordFile,
  nodeOptions,
  type NodeRecord,
  type NodeState,
  rabbitmq4,
  rabbitmq4Dir,
  startedNodeAt,
  writeRecord,
} from "./rabbitmq4.ts";

/** The compose service the broker task starts. */
export const SERVICE = "rabbitmq";

/** How this machine may act on the broker at a URL, and why not when it may not. */
export type BrokerControl =
  /** The `rabbitmq` service of this project's compose.yaml, publishing the URL's port. */
  | { kind: "compose"; project: ComposeProject; container: string }
  /** A node of tools/rabbitmq4, or the installed broker `deno task broker` started: its record. */
  | { kind: "node"; node: NodeState }
  /** A broker whose rabbitmqctl the person named in `RABBITMQCTL`. */
  | { kind: "consent"; rabbitmqctl: string }
  /** Not this project's to act on: `why` says so (a clause: `the broker at … is …`). */
  | { kind: "none"; why: string };

/**
 * How the broker at `url` may be acted on: by its record, as the compose
 * service, through `RABBITMQCTL`, or not at all (with the reason).
 *
 * @example
 * ```ts
 * const control = await brokerControl("amqp://localhost");
 * if (control.kind === "none") console.log(control.why);
 * ```
 */
export async function brokerControl(url: string): Promise<BrokerControl> {
  const where = `the broker at ${maskUrl(url)}`;
  if (!isLocalhost(url)) return { kind: "none", why: `${where} is not on this machine` };
  const node = await startedNodeAt(url);
  if (node) return { kind: "node", node };
  const rabbitmqctl = Deno.env.get("RABBITMQCTL");
  if (rabbitmqctl) return { kind: "consent", rabbitmqctl };
  const service = await composeServiceAt(url);
  if (service) return { kind: "compose", ...service };
  return {
    kind: "none",
    why:
      `${where} was not started by this project (no record of it in ${rabbitmq4Dir()}, and not this project's compose service)`,
  };
}

/** The container of this project's compose service that publishes the URL's port, if one runs. */
async function composeServiceAt(
  url: string,
): Promise<{ project: ComposeProject; container: string } | undefined> {
  const found = await findCompose();
  if ("missing" in found) return undefined;
  const project = new ComposeProject(found.compose);
  const containers = await project.containers(SERVICE).catch(() => []);
  const { port } = urlParts(url);
  for (const container of containers) {
    const published = await runCommand("docker", ["port", container, "5672/tcp"]);
    const ports = published?.stdout.split("\n").map((line) => line.split(":").at(-1)?.trim());
    if (ports?.includes(String(port))) return { project, container };
  }
  return undefined;
}

/** How the broker at a URL runs, for the tests' skip decisions. */
export type BrokerKind = "compose" | "local" | "remote";

/**
 * `compose` for this project's compose service, `local` for a node this
 * project started (or one `RABBITMQCTL` reaches), `remote` for a broker the
 * tests must leave alone: not on this machine, or not started by this
 * project ({@link brokerControl} says which).
 */
export async function brokerKind(url: string): Promise<BrokerKind> {
  const { kind } = await brokerControl(url);
  return kind === "compose" ? "compose" : kind === "none" ? "remote" : "local";
}

/**
 * Restarts the broker at `url` (for tests of durability and reconnection)
 * if this project started it: `restart` of the compose service,
 * `tools/rabbitmq4 restart-app` for its node, `rabbitmqctl stop_app` and
 * `start_app` for the installed broker; then waits until it accepts
 * connections again. Throws, saying why, for any other broker.
 *
 * @example
 * ```ts
 * if (await brokerKind(url) !== "remote") await restartBroker(url);
 * ```
 */
export async function restartBroker(url: string): Promise<void> {
  const control = await brokerControl(url);
  if (control.kind === "compose") {
    await control.project.restart(SERVICE);
  } else if (control.kind === "node" && control.node.debian !== "installed") {
    const { args, env } = nodeOptions(control.node);
    await rabbitmq4([...args, "restart-app"], { env });
  } else if (control.kind !== "none") {
    const ctl = control.kind === "node" ? control.node.rabbitmqctl : control.rabbitmqctl;
    await run(ctl, ["stop_app"]);
    await run(ctl, ["start_app"]);
  } else {
    throw new ProgramError(
      `Cannot restart ${control.why.replace(/^the broker/, "it: the broker")}`,
    );
  }
  await waitForBroker(url, 120_000);
}

/**
 * Runs `rabbitmqctl` with `args` on the broker at `url` and resolves with its
 * standard output: inside the compose service, or with the node's own
 * rabbitmqctl; throws, saying why, for a broker this project did not start.
 *
 * @example
 * ```ts
 * await brokerCtl(url, ["delete_queue", "amq.gen-JzTY20BRgKO-HjmUJj0wLg"]);
 * ```
 */
export async function brokerCtl(url: string, args: string[]): Promise<string> {
  const control = await brokerControl(url);
  switch (control.kind) {
    case "compose":
      return await control.project.exec(SERVICE, ["rabbitmqctl", ...args]);
    case "node":
      return await run(control.node.rabbitmqctl, args);
    case "consent":
      return await run(control.rabbitmqctl, args);
    default:
      throw new ProgramError(`Cannot run rabbitmqctl: ${control.why}`);
  }
}

/**
 * The command that runs a RabbitMQ CLI tool: `$RABBITMQCTL` (or
 * `$RABBITMQ_SERVER`, `$RABBITMQ_PLUGINS`) when set and not empty, else the
 * tool's name on `PATH`.
 *
 * @example
 * ```ts
 * rabbitmqCommand("rabbitmqctl"); // "/var/tmp/rabbitmq4/sid/bin/rabbitmq4/rabbitmqctl" after `eval "$(tools/rabbitmq4 env)"`
 * ```
 */
export function rabbitmqCommand(
  tool: "rabbitmqctl" | "rabbitmq-server" | "rabbitmq-plugins",
): string {
  const variable = {
    "rabbitmqctl": "RABBITMQCTL",
    "rabbitmq-server": "RABBITMQ_SERVER",
    "rabbitmq-plugins": "RABBITMQ_PLUGINS",
  }[tool];
  return Deno.env.get(variable) || tool;
}

/**
 * Records the installed rabbitmq-server that `deno task broker` started
 * (`$RABBITMQ4_DIR/installed/state.json`, the format of a node's record),
 * so that the tests may restart it and `deno task broker stop` stop it.
 */
export async function recordInstalled(url: string, version: string): Promise<NodeRecord> {
  const ctl = (await run("which", ["rabbitmqctl"])).trim();
  const pid = Number((await run(ctl, ["-q", "eval", "os:getpid()."])).trim().replace(/"/g, ""));
  const node = (await run(ctl, ["-q", "eval", "node()."])).trim();
  const home = "/var/lib/rabbitmq";
  const record: NodeRecord = {
    name: node.replace(/@.*$/, ""),
    node,
    rabbitmq: version,
    debian: "installed",
    startedBy: Deno.env.get("RABBITMQ4_STARTED_BY") || "deno task broker",
    startedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    stoppedAt: null,
    pid,
    url: `amqp://guest:guest@localhost:${urlParts(url).port}`,
    managementUrl: "http://localhost:15672",
    ports: {
      amqp: urlParts(url).port,
      management: 15672,
      stream: 5552,
      distribution: 25672,
      epmd: 4369,
    },
    folder: home,
    data: `${home}/mnesia`,
    logs: "/var/log/rabbitmq",
    config: ["/etc/rabbitmq"],
    root: "/",
    rabbitmqctl: ctl,
  };
  await writeRecord(installedRecordFile(), record);
  return record;
}

/**
 * Stops the broker at `url` if this project started it: `down` for the
 * compose service (its data volume stays), `tools/rabbitmq4 stop` for a
 * node (its folder stays), `rabbitmqctl stop` for the installed broker.
 * Resolves with what it did; throws, saying why, for another broker.
 */
export async function stopBroker(url: string, log?: (line: string) => void): Promise<string> {
  const control = await brokerControl(url);
  if (control.kind === "compose") {
    await control.project.down();
    return `Stopped the compose service (${
      control.project.commandLine(["down"])
    }); its data volume stays ("down -v" deletes it)`;
  }
  if (control.kind === "node" && control.node.debian !== "installed") {
    const { node } = control;
    const { args, env } = nodeOptions(node);
    await rabbitmq4([...args, "stop"], { env, log });
    return `Stopped ${node.node} (RabbitMQ ${node.rabbitmq}); its data stays in ${node.folder} ("tools/rabbitmq4 --node ${node.name} delete" deletes it)`;
  }
  if (control.kind === "node") {
    const { node } = control;
    await run(node.rabbitmqctl, ["stop"]);
    await pollUntil(`process ${node.pid} has ended`, async () => {
      try {
        await Deno.stat(`/proc/${node.pid}`);
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: 60_000, intervalMs: 250 }).catch((error) => {
      if (!(error instanceof PollTimeout)) throw error;
    });
    const { running: _, ...record } = node;
    await writeRecord(installedRecordFile(), {
      ...record,
      pid: null,
      stoppedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    });
    return `Stopped the installed RabbitMQ ${node.rabbitmq} (${node.node}) that "deno task broker" started; its data stays in ${node.data}`;
  }
  const why = control.kind === "consent"
    ? `the broker at ${maskUrl(url)} was not started by this project`
    : control.why;
  throw new ProgramError(`${why}: stop it the way it was started`.replace(/^t/, "T"));
}
