/**
 * Docker Compose, whichever one this machine has: the Compose v2 plugin
 * (`docker compose`, which waits for healthy services with `--wait`), else
 * the standalone `docker-compose` (v2, or v1 such as Debian 12's 1.29.2,
 * which cannot wait: {@link ComposeProject.up} waits on the services'
 * healthchecks itself through `docker inspect`). Where no Docker engine
 * answers, or no Compose is installed, {@link findCompose} says so in one
 * sentence instead of a stack trace or a hang.
 *
 * `DOCKER_HOST` and the compose files' variables (`RABBITMQ_IMAGE`, the
 * ports) come from the environment, and from {@link ProjectOptions.env}.
 *
 * @module
 */
import { ProgramError } from "../../lib/program_error.ts";
import { PollTimeout, pollUntil } from "./poll.ts";

/** The folder of compose.yaml, compose.cluster.yaml and compose.tls.yaml. */
export const PROJECT_DIR = new URL("../../", import.meta.url).pathname;

/** The image the compose files run unless `RABBITMQ_IMAGE` names another. */
export const DEFAULT_IMAGE = "rabbitmq:4.3.0-management";

/** What a command printed, and how it ended. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command (stopped after `timeoutMs`, if given); `undefined` when it is not installed. */
export type Runner = (
  command: string,
  args: string[],
  env?: Record<string, string>,
  timeoutMs?: number,
) => Promise<Outcome | undefined>;

/** How long a question to Docker (`docker info`, `compose version`) may take. */
export const PROBE_TIMEOUT_MS = 15_000;

/** The Compose found: the command and the arguments that come before a subcommand. */
export interface Compose {
  /** `docker` (the v2 plugin) or `docker-compose`. */
  command: string;
  /** `["compose"]` for the plugin, `[]` for docker-compose. */
  prefix: string[];
  /** Its version, e.g. `2.29.7` or `1.29.2`. */
  version: string;
  /** Whether `up --wait` waits for healthy services (Compose 2.1.1 and later). */
  waits: boolean;
  /** The Docker engine's version, e.g. `20.10.24+dfsg1`. */
  engine: string;
}

/** What {@link findCompose} found: a Compose, or the sentence saying why there is none. */
export type ComposeFinding = { compose: Compose } | { missing: string };

/** Runs a command without a shell; `undefined` when it is not installed. */
export const runCommand: Runner = async (command, args, env, timeoutMs) => {
  const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  try {
    const result = await new Deno.Command(command, {
      args,
      env,
      cwd: PROJECT_DIR,
      stdin: "null",
      signal,
    }).output();
    const text = new TextDecoder();
    return {
      code: result.code,
      stdout: text.decode(result.stdout),
      // Stopped by the signal: that is what went wrong, whatever it printed.
      stderr: signal?.aborted
        ? `no answer within ${timeoutMs! / 1000} s`
        : text.decode(result.stderr),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
};

/** The last non-empty line of a command's error output (or standard output), for a sentence. */
export function lastLine(outcome: Outcome): string {
  const lines = `${outcome.stderr}\n${outcome.stdout}`.split("\n").map((line) => line.trim())
    .filter(Boolean);
  return lines.find((line) => /error|cannot|denied|not found|no such/i.test(line)) ??
    lines.at(-1) ?? `exit code ${outcome.code}`;
}

/**
 * The version a Compose prints with `version --short` (`1.29.2`,
 * `v2.29.7`, `2.29.7-desktop.1`), without its `v`; `undefined` if it is
 * not a version.
 *
 * @example
 * ```ts
 * composeVersion("v2.29.7\n"); // "2.29.7"
 * ```
 */
export function composeVersion(output: string): string | undefined {
  return output.trim().match(/^v?(\d+\.\d+\.\d+\S*)$/)?.[1];
}

/** Whether that Compose version has `up --wait` (2.1.1 and later). */
export function hasWait(version: string): boolean {
  const [major, minor, patch] = version.split(/[.-]/).map(Number);
  if (major !== 2) return major > 2;
  return minor > 1 || (minor === 1 && patch >= 1);
}

/**
 * Finds a Docker engine that answers and a Compose to drive it: the
 * plugin `docker compose` first, else `docker-compose`. Without one it
 * resolves `{ missing }`, one sentence naming what is missing and how to
 * get it (the caller adds the next way to a broker).
 *
 * @example
 * ```ts
 * const found = await findCompose();
 * if ("missing" in found) console.log(found.missing);
 * ```
 */
export async function findCompose(run: Runner = runCommand): Promise<ComposeFinding> {
  const info = await run(
    "docker",
    ["info", "--format", "{{.ServerVersion}}"],
    {},
    PROBE_TIMEOUT_MS,
  );
  if (info === undefined) {
    return { missing: "Docker is not installed (no docker command)" };
  }
  const engine = info.stdout.trim();
  if (info.code !== 0 || !engine) {
    return {
      missing: `A Docker command is installed but no Docker engine answers (${
        lastLine(info)
      }); start Docker (Docker Desktop, or "sudo dockerd")`,
    };
  }
  const plugin = await run("docker", ["compose", "version", "--short"], {}, PROBE_TIMEOUT_MS);
  const pluginVersion = plugin?.code === 0 ? composeVersion(plugin.stdout) : undefined;
  if (pluginVersion) {
    return {
      compose: {
        command: "docker",
        prefix: ["compose"],
        version: pluginVersion,
        waits: hasWait(pluginVersion),
        engine,
      },
    };
  }
  const standalone = await run("docker-compose", ["version", "--short"], {}, PROBE_TIMEOUT_MS);
  const standaloneVersion = standalone?.code === 0 ? composeVersion(standalone.stdout) : undefined;
  if (standaloneVersion) {
    return {
      compose: {
        command: "docker-compose",
        prefix: [],
        version: standaloneVersion,
        waits: hasWait(standaloneVersion),
        engine,
      },
    };
  }
  return {
    missing:
      `Docker ${engine} answers, but neither the Compose plugin ("docker compose") nor docker-compose is installed; install one (https://docs.docker.com/compose/install/, or Debian's "apt-get install docker-compose")`,
  };
}

/** A container as `docker inspect` describes it. */
export interface ContainerState {
  id: string;
  /** Its name, e.g. `/tutorials-test_rabbitmq_1`. */
  name: string;
  /** `created`, `running`, `restarting`, `exited`, ... */
  status: string;
  /** `starting`, `healthy`, `unhealthy`, or `undefined` without a healthcheck. */
  health?: string;
}

/** The `docker inspect --format` template {@link parseStates} reads. */
export const STATE_FORMAT =
  "{{.Id}} {{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}";

/** Parses the lines `docker inspect --format STATE_FORMAT` prints. */
export function parseStates(output: string): ContainerState[] {
  return output.split("\n").filter((line) => line.trim()).map((line) => {
    const [id, name, status, health] = line.trim().split(/\s+/);
    return { id, name, status, health: health || undefined };
  });
}

/**
 * Whether containers are all up: `true` when each runs and is healthy (or
 * has no healthcheck), `false` while one is still starting, and a sentence
 * when one stopped or is unhealthy (waiting longer will not help).
 */
export function readiness(states: ContainerState[]): true | false | string {
  for (const state of states) {
    const name = state.name.replace(/^\//, "");
    if (state.status === "exited" || state.status === "dead") {
      return `the container ${name} stopped (${state.status})`;
    }
    if (state.health === "unhealthy") return `the container ${name} is unhealthy`;
  }
  return states.length > 0 &&
    states.every((state) => state.status === "running" && state.health !== "starting");
}

/** Options for {@link ComposeProject}. */
export interface ProjectOptions {
  /** The compose files, relative to {@link PROJECT_DIR} (default `["compose.yaml"]`). */
  files?: string[];
  /** The project name (`-p`): containers, networks and volumes are named after it. */
  project?: string;
  /** Variables for the compose files (ports, `RABBITMQ_IMAGE`), over the environment's. */
  env?: Record<string, string>;
  /** How commands run (default {@link runCommand}). */
  run?: Runner;
}

/** One compose project: a set of compose files run under one project name. */
export class ComposeProject {
  readonly files: string[];
  readonly project: string | undefined;
  readonly env: Record<string, string>;
  readonly #run: Runner;

  constructor(readonly compose: Compose, options: ProjectOptions = {}) {
    this.files = options.files ?? ["compose.yaml"];
    this.project = options.project;
    this.env = options.env ?? {};
    this.#run = options.run ?? runCommand;
  }

  /** The image the files run: `RABBITMQ_IMAGE` of the options or the environment, else the official one. */
  get image(): string {
    return this.env.RABBITMQ_IMAGE || Deno.env.get("RABBITMQ_IMAGE") || DEFAULT_IMAGE;
  }

  /** The command line of a Compose subcommand, for messages: `docker compose -f compose.yaml up -d`. */
  commandLine(args: string[]): string {
    return [this.compose.command, ...this.#args(args)].join(" ");
  }

  #args(args: string[]): string[] {
    const project = this.project ? ["-p", this.project] : [];
    return [...this.compose.prefix, ...project, ...this.files.flatMap((f) => ["-f", f]), ...args];
  }

  /** Runs a Compose subcommand and resolves with its standard output; throws a sentence when it fails. */
  async run(args: string[]): Promise<string> {
    const outcome = await this.#run(this.compose.command, this.#args(args), this.env);
    if (outcome === undefined) {
      throw new ProgramError(`${this.compose.command} is not installed any more`);
    }
    if (outcome.code !== 0) {
      throw new ProgramError(`"${this.commandLine(args)}" failed: ${lastLine(outcome)}`);
    }
    return outcome.stdout;
  }

  /**
   * Starts the services in the background and waits until every container
   * runs and is healthy: `up -d --wait` where the Compose can wait, else
   * `up -d` and then the containers' health through `docker inspect`.
   * A missing image that cannot be pulled gets the sentence that says how
   * to build a local one.
   */
  async up(options: { timeoutMs?: number; services?: string[] } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 180_000;
    const services = options.services ?? [];
    const imageThere = (await this.#run("docker", ["image", "inspect", this.image]))?.code === 0;
    try {
      await this.run(["up", "-d", ...(this.compose.waits ? ["--wait"] : []), ...services]);
    } catch (error) {
      if (!imageThere && error instanceof ProgramError) {
        throw new ProgramError(
          `The image ${this.image} is not on this machine and could not be pulled (${error.message}); with no registry in reach, build a local one with "sudo tools/rabbitmq-image" and set the RABBITMQ_IMAGE it prints`,
        );
      }
      throw error;
    }
    await this.waitHealthy(timeoutMs);
  }

  /** The ids of the project's containers (of one service, if given). */
  async containers(service?: string): Promise<string[]> {
    const output = await this.run(["ps", "-q", ...(service ? [service] : [])]);
    return output.split("\n").map((line) => line.trim()).filter(Boolean);
  }

  /** The state of the project's containers (of one service, if given). */
  async states(service?: string): Promise<ContainerState[]> {
    const ids = await this.containers(service);
    if (ids.length === 0) return [];
    const outcome = await this.#run("docker", ["inspect", "--format", STATE_FORMAT, ...ids]);
    if (outcome === undefined || outcome.code !== 0) {
      throw new ProgramError(
        `"docker inspect" failed: ${outcome ? lastLine(outcome) : "no docker command"}`,
      );
    }
    return parseStates(outcome.stdout);
  }

  /** Waits until every container of the project runs and is healthy (or has no healthcheck). */
  async waitHealthy(timeoutMs = 180_000): Promise<void> {
    try {
      await pollUntil("the containers are healthy", async () => {
        const ready = readiness(await this.states());
        if (typeof ready === "string") {
          throw new ProgramError(
            `${ready}; see "${this.commandLine(["logs"])}"`,
          );
        }
        return ready;
      }, { timeoutMs, intervalMs: 1000 });
    } catch (error) {
      if (!(error instanceof PollTimeout)) throw error;
      throw new ProgramError(
        `The containers were not healthy within ${timeoutMs / 1000} s; see "${
          this.commandLine(["logs"])
        }"`,
      );
    }
  }

  /** `restart` (of one service, if given), then waits until healthy again. */
  async restart(service?: string): Promise<void> {
    await this.run(["restart", ...(service ? [service] : [])]);
    await this.waitHealthy();
  }

  /** Runs a command in a service's container (`exec -T`) and resolves with its output. */
  async exec(service: string, command: string[]): Promise<string> {
    return await this.run(["exec", "-T", service, ...command]);
  }

  /** Stops and removes the containers and networks, and with `volumes`, the data volumes. */
  async down(options: { volumes?: boolean } = {}): Promise<void> {
    await this.run(["down", "--remove-orphans", ...(options.volumes ? ["-v"] : [])]);
  }
}
