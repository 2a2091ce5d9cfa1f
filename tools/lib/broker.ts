/**
 * Finding or starting a RabbitMQ broker for `deno task broker`, the demo and
 * the tests. When none answers at the URL (on this machine), the first way
 * that works: Docker Compose (compose.yaml) where a Docker engine and a
 * Compose answer; else, as root on a Debian-family machine, the project's
 * RabbitMQ 4.x from a Debian chroot (tools/rabbitmq4: sid's 4.3, else
 * trixie's 4.0); else the installed `rabbitmq-server` (Debian's package,
 * installed as root when missing); else one sentence naming the ways.
 * `--rabbitmq 4.3|4.0|installed|compose` picks one way. A broker older
 * than 4.0 that answers is used, with one line saying what it lacks and
 * the command that runs 4.3 beside it.
 *
 * Restarting, reconfiguring and stopping (only what this project started)
 * are in tools/lib/broker_control.ts.
 *
 * @module
 */
import { brokerVersion } from "../../lib/broker_version.ts";
import { managementUrl } from "../../lib/management.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { streamPort } from "../../lib/stream.ts";
import { isLocalhost, maskUrl, urlParts } from "../../lib/url.ts";
import { brokerAnswers, waitForBroker } from "./broker_answers.ts";
import { brokerControl, rabbitmqCommand, recordInstalled, SERVICE } from "./broker_control.ts";
import { run, succeeds } from "./command.ts";
import { ComposeProject, findCompose } from "./compose.ts";
import { nodeStates, rabbitmq4 } from "./rabbitmq4.ts";

export { brokerAnswers, waitForBroker } from "./broker_answers.ts";
export {
  brokerCtl,
  type BrokerKind,
  brokerKind,
  rabbitmqCommand,
  restartBroker,
} from "./broker_control.ts";

/** The ways `deno task broker --rabbitmq` may be told to take. */
export const BROKER_CHOICES = ["4.3", "4.0", "installed", "compose"] as const;

/** One of {@link BROKER_CHOICES}. */
export type BrokerChoice = typeof BROKER_CHOICES[number];

/** Options for {@link ensureBroker}. */
export interface EnsureOptions {
  /** Where progress lines go (default: `console.log`). */
  log?: (line: string) => void;
  /** How long to wait for a started broker to accept connections (default 120,000 ms). */
  timeoutMs?: number;
  /** The one way to take (default: the first that works). */
  rabbitmq?: BrokerChoice;
}

/** What {@link ensureBroker} found or did. */
export interface Ensured {
  /** One line: `A broker answers at "…"`, or `Started RabbitMQ … at "…"`. */
  message: string;
  /** For a broker older than 4.0: what it lacks and the command for 4.3 beside it. */
  notice?: string;
  /**
   * For a broker started on other ports than the programs find by default:
   * the settings they need, as lines for `.env` (`AMQP_URL=...`).
   */
  settings: string[];
}

/** A broker's ports: AMQP, the management UI and API, streams. */
export interface BrokerPorts {
  amqp: number;
  management: number;
  stream: number;
}

/**
 * The ports of the broker at `url`: its AMQP port; the management port of
 * `RABBITMQ_MANAGEMENT_URL` and the stream port of `RABBITMQ_STREAM_PORT`
 * when set, else 15672 and 5552 beside 5672, or the AMQP port + 10,000 and
 * − 120 beside another (as tools/rabbitmq4 gives its nodes).
 *
 * @example
 * ```ts
 * brokerPorts("amqp://localhost:5673"); // { amqp: 5673, management: 15673, stream: 5553 }
 * ```
 */
export function brokerPorts(url: string): BrokerPorts {
  const amqp = urlParts(url).port;
  const standard = amqp === 5672;
  const fromEnv = Deno.env.get("RABBITMQ_MANAGEMENT_URL");
  const management = fromEnv
    ? Number(new URL(managementUrl(url, fromEnv)).port) || 15672
    : standard
    ? 15672
    : amqp + 10_000;
  const stream = Deno.env.get("RABBITMQ_STREAM_PORT")
    ? streamPort(url, undefined)
    : standard
    ? 5552
    : amqp - 120;
  return { amqp, management, stream };
}

/**
 * The settings a program started without flags needs to find the broker
 * at `url` with these ports, as `.env` lines; none when it finds it anyway.
 */
export function settingsFor(url: string, ports: BrokerPorts): string[] {
  const programUrl = Deno.env.get("AMQP_URL")?.split(",")[0] || "amqp://localhost";
  const found = urlParts(programUrl).port === ports.amqp &&
    urlParts(programUrl).host === urlParts(url).host &&
    Number(new URL(managementUrl(programUrl)).port) === ports.management &&
    streamPort(programUrl, undefined) === ports.stream;
  if (found) return [];
  const { host } = urlParts(url);
  return [
    `AMQP_URL=amqp://${host}:${ports.amqp}`,
    `RABBITMQ_MANAGEMENT_URL=http://${host}:${ports.management}`,
    `RABBITMQ_STREAM_PORT=${ports.stream}`,
  ];
}

/**
 * Makes sure a broker answers at `url`: says so if one does (with a notice
 * for one older than 4.0), else starts one (the first way that works, or
 * the one `rabbitmq` names) and waits until it accepts connections. Throws
 * a ProgramError whose message is one sentence with the fix.
 *
 * @example
 * ```ts
 * const { message, notice } = await ensureBroker("amqp://localhost");
 * ```
 */
export async function ensureBroker(url: string, options: EnsureOptions = {}): Promise<Ensured> {
  const log = options.log ?? console.log;
  const choice = options.rabbitmq;
  if (await brokerAnswers(url)) {
    const version = await brokerVersion(url).catch(() => undefined);
    if (choice) await checkChoice(url, choice, version);
    return {
      message: `A broker answers at "${maskUrl(url)}"`,
      notice: await olderBrokerNotice(url, version),
      settings: [],
    };
  }
  if (!isLocalhost(url)) {
    throw new ProgramError(
      `No broker answers at "${
        maskUrl(url)
      }", and it is not on this machine, so it cannot be started here; check the URL or start that broker`,
    );
  }
  const ports = brokerPorts(url);
  const ways: Way[] = choice === undefined
    ? ["compose", "chroot", "installed"]
    : choice === "compose" || choice === "installed"
    ? [choice]
    : ["chroot"];
  for (const way of ways) {
    let how: string;
    try {
      how = await WAYS[way].start(url, ports, log, choice);
      await waitForBroker(url, options.timeoutMs ?? 120_000);
    } catch (error) {
      if (!(error instanceof ProgramError) || choice) throw error;
      log(`Not with ${WAYS[way].name}: ${error.message}`);
      continue;
    }
    const version = await brokerVersion(url);
    if (way === "installed") await recordInstalled(url, version);
    return {
      message: `Started RabbitMQ ${version} at "${maskUrl(url)}" (${how})`,
      settings: settingsFor(url, ports),
    };
  }
  throw new ProgramError(
    `No broker answers at "${
      maskUrl(url)
    }", and none could be started here (why not, for each way, is above): start Docker and run "deno task broker" again, or run it as root on a Debian-family machine (RabbitMQ 4.3 from a Debian chroot, no Docker needed), or install RabbitMQ (https://www.rabbitmq.com/docs/download)`,
  );
}

type Way = "compose" | "chroot" | "installed";

/** Each way to start a broker: its name in messages, and how (resolves with how it started it). */
const WAYS: Record<Way, {
  name: string;
  start: (
    url: string,
    ports: BrokerPorts,
    log: (line: string) => void,
    choice?: BrokerChoice,
  ) => Promise<string>;
}> = {
  compose: { name: "Docker Compose", start: startCompose },
  chroot: { name: "RabbitMQ 4.x from a Debian chroot", start: startChroot },
  installed: { name: "the installed rabbitmq-server", start: startInstalled },
};

async function startCompose(_url: string, ports: BrokerPorts, log: (line: string) => void) {
  const found = await findCompose();
  if ("missing" in found) throw new ProgramError(found.missing);
  const standard = ports.amqp === 5672 && ports.management === 15672 && ports.stream === 5552;
  const project = new ComposeProject(found.compose, {
    env: standard ? {} : {
      BROKER_AMQP_PORT: String(ports.amqp),
      BROKER_MANAGEMENT_PORT: String(ports.management),
      BROKER_STREAM_PORT: String(ports.stream),
    },
  });
  const up = ["up", "-d", ...(found.compose.waits ? ["--wait"] : [])];
  log(
    `Starting RabbitMQ with Docker Compose (${
      project.commandLine(up)
    }, image ${project.image}; its data in a Docker volume) ...`,
  );
  try {
    await project.up({ services: [SERVICE] });
  } catch (error) {
    await project.down().catch(() => {}); // nothing half-started left holding the ports
    throw error;
  }
  return `Docker Compose ${found.compose.version}, ${project.image}`;
}

async function startChroot(
  _url: string,
  ports: BrokerPorts,
  log: (line: string) => void,
  choice?: BrokerChoice,
) {
  if (Deno.uid() !== 0) {
    throw new ProgramError(
      'it needs root (chroot, mount): run "deno task broker" as root for RabbitMQ 4.3 without Docker',
    );
  }
  if (!(await succeeds("which", ["debootstrap"])) && !(await succeeds("which", ["apt-get"]))) {
    throw new ProgramError(
      "it needs debootstrap, or apt-get to install it (a Debian-family machine)",
    );
  }
  const name = ports.amqp === 5672 ? "rabbit4" : `rabbit4-${ports.amqp}`;
  // tools/rabbitmq4 puts the node's distribution port at the AMQP port + 20,000: no TCP port
  // above 45535, so such a node gets a free one.
  const distribution = ports.amqp + 20_000 > 65_535 ? freePort() : undefined;
  const version = choice === "4.0" ? "4.0" : choice === "4.3" ? "4.3" : "4.x";
  log(`Starting RabbitMQ ${version} from a Debian chroot (tools/rabbitmq4, node ${name}) ...`);
  await rabbitmq4([
    "--node",
    name,
    "--port",
    String(ports.amqp),
    ...(choice === "4.0" || choice === "4.3" ? ["--rabbitmq", choice] : []),
    "start",
  ], {
    log: (line) => log(`  ${line}`),
    env: {
      RABBITMQ4_STARTED_BY: Deno.env.get("RABBITMQ4_STARTED_BY") || "deno task broker",
      RABBITMQ4_MGMT_PORT: String(ports.management),
      RABBITMQ4_STREAM_PORT: String(ports.stream),
      ...(distribution ? { RABBITMQ4_DIST_PORT: String(distribution) } : {}),
    },
  });
  return `tools/rabbitmq4, node ${name}@localhost`;
}

/** A port nothing listens on: bound a moment ago, then released. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

async function startInstalled(url: string, ports: BrokerPorts, log: (line: string) => void) {
  if (ports.amqp !== 5672) {
    throw new ProgramError(
      `the installed rabbitmq-server listens where its own configuration says (5672 by default), not on port ${ports.amqp}`,
    );
  }
  const server = rabbitmqCommand("rabbitmq-server");
  const ctl = rabbitmqCommand("rabbitmqctl");
  if (server === "rabbitmq-server" && !(await succeeds("which", ["rabbitmq-server"]))) {
    if (Deno.uid() !== 0 || !(await succeeds("which", ["apt-get"]))) {
      throw new ProgramError("no rabbitmq-server is installed");
    }
    log("Installing Debian's rabbitmq-server (apt-get install -y rabbitmq-server) ...");
    await run("apt-get", ["update", "-qq"]);
    await run("apt-get", ["install", "-y", "-qq", "rabbitmq-server"], {
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
    // Debian's package starts its service where it can: then it answers already.
    if (await brokerAnswers(url)) return "Debian's rabbitmq-server, started by its package";
  }
  if (Deno.uid() !== 0) {
    throw new ProgramError(
      'start the installed one as root: "sudo rabbitmq-plugins enable rabbitmq_management rabbitmq_stream && sudo rabbitmq-server -detached"',
    );
  }
  log(
    "Starting the installed rabbitmq-server (detached, management and stream plugins enabled) ...",
  );
  // The stream plugin serves the stream tutorials (port 5552); it needs RabbitMQ 3.11+ to be of use.
  await run(rabbitmqCommand("rabbitmq-plugins"), [
    "enable",
    "--offline",
    "rabbitmq_management",
    "rabbitmq_stream",
  ]);
  // A node that is up but whose app was stopped (rabbitmqctl stop_app) only needs start_app.
  if (await succeeds(ctl, ["-q", "ping"])) {
    await run(ctl, ["start_app"]);
  } else {
    await run(server, ["-detached"]);
  }
  return "the installed rabbitmq-server, detached";
}

/** Throws when the broker that answers is not of the kind `--rabbitmq` asked for. */
async function checkChoice(url: string, choice: BrokerChoice, version: string | undefined) {
  const control = await brokerControl(url);
  const compose = control.kind === "compose";
  const chroot = control.kind === "node" && control.node.debian !== "installed";
  const matches = choice === "compose"
    ? compose
    : choice === "installed"
    ? !compose && !chroot
    : version?.startsWith(`${choice}.`);
  if (matches) return;
  const what = compose
    ? "this project's compose service"
    : chroot
    ? `the node ${control.node.node} of tools/rabbitmq4`
    : "a broker other than the one asked for";
  throw new ProgramError(
    `RabbitMQ ${version ?? "(version unknown)"} answers at "${
      maskUrl(url)
    }" already (${what}), not ${
      choice === "compose"
        ? "the compose service"
        : choice === "installed"
        ? "the installed rabbitmq-server"
        : `RabbitMQ ${choice}`
    }; stop it first ("deno task broker stop" if this project started it), or use another port: ${
      besideCommand(url, choice)
    }`,
  );
}

/** The command that starts a broker of that choice beside the one at `url`, on the next port. */
function besideCommand(url: string, choice: BrokerChoice): string {
  const { host, port } = urlParts(url);
  return `deno task broker --rabbitmq ${choice} --url amqp://${host}:${port + 1}`;
}

/** True for a RabbitMQ version older than 3.11, the first with streams. */
export function lacksStreams(version: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major < 3 || (major === 3 && minor < 11);
}

/**
 * For a broker older than 4.0: one line saying which version it is, what
 * it lacks, and how to get 4.3 beside it (or where the 4.x node this
 * project started beside it is); `undefined` for 4.0 and later.
 *
 * @example
 * ```ts
 * await olderBrokerNotice("amqp://localhost", "3.10.8");
 * // 'RabbitMQ 3.10.8 answers at "amqp://localhost": it lacks streams (3.11+: ...'
 * ```
 */
export async function olderBrokerNotice(
  url: string,
  version: string | undefined,
): Promise<string | undefined> {
  const [major] = (version ?? "").split(".").map(Number);
  if (!(major < 4)) return undefined;
  const lacks = [
    ...(lacksStreams(version!)
      ? ["streams (RabbitMQ 3.11+: the stream tutorials are skipped)"]
      : []),
    "AMQP 1.0 v2 (4.0+)",
  ];
  const said = `RabbitMQ ${version} answers at "${maskUrl(url)}": it lacks ${lacks.join(" and ")}`;
  // A 4.x broker that the command below started already (not a cluster's or a test's node).
  const beside = (await nodeStates()).find((node) =>
    node.running && node.rabbitmq.startsWith("4.") && node.startedBy === "deno task broker" &&
    node.ports.amqp !== urlParts(url).port
  );
  if (beside) {
    const { host } = urlParts(url);
    return `${said}. RabbitMQ ${beside.rabbitmq} runs beside it (${beside.node}, started by ${beside.startedBy}): AMQP_URL=amqp://${host}:${beside.ports.amqp} RABBITMQ_MANAGEMENT_URL=http://${host}:${beside.ports.management} RABBITMQ_STREAM_PORT=${beside.ports.stream}`;
  }
  return `${said}. RabbitMQ 4.3 beside it, leaving it as it is (as root): ${
    besideCommand(url, "4.3")
  }`;
}
