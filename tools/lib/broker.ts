/**
 * Finding, starting and restarting a RabbitMQ broker for the demo and the
 * tests: Docker Compose where a Docker engine answers, else a locally
 * installed `rabbitmq-server`.
 *
 * The RabbitMQ commands are `rabbitmqctl`, `rabbitmq-server` and
 * `rabbitmq-plugins` from `PATH`, unless `RABBITMQCTL`, `RABBITMQ_SERVER` and
 * `RABBITMQ_PLUGINS` name others: `.ci/rabbitmq4 env` sets them to wrappers
 * for its RabbitMQ 4.x node, so restarts and `rabbitmqctl` act on the broker
 * the tests use.
 *
 * @module
 */
import amqp from "amqplib";
import { classifyError } from "../../lib/errors.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { isLocalhost, maskUrl } from "../../lib/url.ts";
import { output, run, succeeds } from "./command.ts";
import { PollTimeout, pollUntil } from "./poll.ts";

/** How the broker at a URL is run, as far as this machine can tell. */
export type BrokerKind = "compose" | "local" | "remote";

/** Options for {@link ensureBroker}. */
export interface EnsureOptions {
  /** Where progress lines go (default: `console.log`). */
  log?: (line: string) => void;
  /** How long to wait for a started broker to accept connections (default 120,000 ms). */
  timeoutMs?: number;
}

const SERVICE = "rabbitmq";

/**
 * The command that runs a RabbitMQ CLI tool: `$RABBITMQCTL` (or
 * `$RABBITMQ_SERVER`, `$RABBITMQ_PLUGINS`) when set and not empty, else the
 * tool's name on `PATH`.
 *
 * @example
 * ```ts
 * rabbitmqCommand("rabbitmqctl"); // "/var/tmp/rabbitmq4-ci/bin/main/rabbitmqctl" after `source <(.ci/rabbitmq4 env)`
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
 * True when a broker at `url` completes an AMQP handshake, including one
 * that refuses the login (it answers, the credentials are another matter).
 *
 * @example
 * ```ts
 * if (!(await brokerAnswers("amqp://localhost"))) console.log("no broker");
 * ```
 */
export async function brokerAnswers(url: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const connection = await amqp.connect(url, { timeout: timeoutMs });
    await connection.close();
    return true;
  } catch (error) {
    return ["login", "vhost"].includes(classifyError(error));
  }
}

/**
 * Makes sure a broker answers at `url`: says so if one does, else starts
 * one (Docker Compose, else a local `rabbitmq-server`, installing Debian's
 * package as root when nothing else is there) and waits until it accepts
 * connections. Throws a ProgramError whose message is one sentence with the fix.
 *
 * @example
 * ```ts
 * const started = await ensureBroker("amqp://localhost");
 * ```
 */
export async function ensureBroker(url: string, options: EnsureOptions = {}): Promise<string> {
  const log = options.log ?? console.log;
  if (await brokerAnswers(url)) return `A broker answers at "${maskUrl(url)}"`;
  if (!isLocalhost(url)) {
    throw new ProgramError(
      `No broker answers at "${
        maskUrl(url)
      }", and it is not on this machine, so it cannot be started here; check the URL or start that broker`,
    );
  }
  if (await dockerEngineAnswers()) {
    log("Starting RabbitMQ with Docker Compose (docker compose up -d --wait) ...");
    await run("docker", ["compose", "up", "-d", "--wait"]);
  } else {
    await startLocalServer(log);
  }
  await waitForBroker(url, options.timeoutMs ?? 120_000);
  return `Started a broker at "${maskUrl(url)}"`;
}

/**
 * Restarts the broker (for tests of durability): `docker compose restart`
 * for the compose broker, `rabbitmqctl stop_app` and `start_app` for a local
 * one, then waits until it accepts connections again.
 *
 * @example
 * ```ts
 * if (await brokerKind(url) !== "remote") await restartBroker(url);
 * ```
 */
export async function restartBroker(url: string): Promise<void> {
  const kind = await brokerKind(url);
  if (kind === "compose") {
    await run("docker", ["compose", "restart", SERVICE]);
  } else if (kind === "local") {
    await run(rabbitmqCommand("rabbitmqctl"), ["stop_app"]);
    await run(rabbitmqCommand("rabbitmqctl"), ["start_app"]);
  } else {
    throw new ProgramError(`Cannot restart the broker at "${maskUrl(url)}" from this machine`);
  }
  await waitForBroker(url, 120_000);
}

/**
 * Runs `rabbitmqctl` with `args` on the broker at `url` and resolves with its
 * standard output: inside the compose service, or on the local node
 * (`$RABBITMQCTL` when set); throws for a broker this machine cannot reach.
 *
 * @example
 * ```ts
 * await brokerCtl(url, ["delete_queue", "amq.gen-JzTY20BRgKO-HjmUJj0wLg"]);
 * ```
 */
export async function brokerCtl(url: string, args: string[]): Promise<string> {
  const kind = await brokerKind(url);
  if (kind === "remote") {
    throw new ProgramError(
      `Cannot run rabbitmqctl for the broker at "${maskUrl(url)}" from this machine`,
    );
  }
  if (kind === "compose") {
    return await run("docker", ["compose", "exec", "-T", SERVICE, "rabbitmqctl", ...args]);
  }
  return await run(rabbitmqCommand("rabbitmqctl"), args);
}

/**
 * How the broker at `url` runs: the compose service, a local node that
 * `rabbitmqctl` reaches, or something this machine cannot restart. When
 * `$RABBITMQCTL` is set, the broker is the node it reaches (not compose).
 */
export async function brokerKind(url: string): Promise<BrokerKind> {
  if (!isLocalhost(url)) return "remote";
  if (!Deno.env.get("RABBITMQCTL") && await dockerEngineAnswers()) {
    const ids = await output("docker", ["compose", "ps", "-q", SERVICE]);
    if (ids?.trim()) return "compose";
  }
  return (await succeeds(rabbitmqCommand("rabbitmqctl"), ["-q", "ping"])) ? "local" : "remote";
}

/** Waits until an AMQP handshake succeeds at `url`, or throws after `timeoutMs`. */
export async function waitForBroker(url: string, timeoutMs: number): Promise<void> {
  try {
    await pollUntil("the broker answers", () => brokerAnswers(url), {
      timeoutMs,
      intervalMs: 500,
    });
  } catch (error) {
    if (!(error instanceof PollTimeout)) throw error;
    throw new ProgramError(
      `The broker at "${maskUrl(url)}" did not accept connections within ${
        timeoutMs / 1000
      } s; see its log (docker compose logs, or /var/log/rabbitmq)`,
    );
  }
}

async function startLocalServer(log: (line: string) => void): Promise<void> {
  const server = rabbitmqCommand("rabbitmq-server");
  const ctl = rabbitmqCommand("rabbitmqctl");
  if (server === "rabbitmq-server" && !(await succeeds("which", ["rabbitmq-server"]))) {
    if (Deno.uid() === 0 && (await succeeds("which", ["apt-get"]))) {
      log("Installing Debian's rabbitmq-server (apt-get install -y rabbitmq-server) ...");
      await run("apt-get", ["update", "-qq"]);
      await run("apt-get", ["install", "-y", "-qq", "rabbitmq-server"], {
        env: { DEBIAN_FRONTEND: "noninteractive" },
      });
    } else {
      throw new ProgramError(
        'No broker answers and neither Docker nor rabbitmq-server is available; install Docker and run "deno task broker" again, or install RabbitMQ (https://www.rabbitmq.com/docs/download)',
      );
    }
  }
  if (Deno.uid() !== 0) {
    throw new ProgramError(
      'No broker answers; start the installed one as root with "sudo rabbitmq-plugins enable rabbitmq_management rabbitmq_stream && sudo rabbitmq-server -detached"',
    );
  }
  log("Starting the local rabbitmq-server (detached, management and stream plugins enabled) ...");
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
}

async function dockerEngineAnswers(): Promise<boolean> {
  return await succeeds("docker", ["info", "--format", "{{.ServerVersion}}"]);
}
