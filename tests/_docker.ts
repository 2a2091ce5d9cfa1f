/**
 * The Docker tests' shared part: a Docker engine and a Compose to drive it
 * (tools/lib/compose.ts), the RabbitMQ image the compose files run, and a
 * compose project of the test's own, on free ports, removed with its
 * volumes and network in the end, so that nothing touches a user's
 * `compose.yaml` stack or the suite's broker.
 */
import assert from "node:assert/strict";
import {
  type Compose,
  ComposeProject,
  DEFAULT_IMAGE,
  findCompose,
  lastLine,
  runCommand,
} from "../tools/lib/compose.ts";
import { atExit } from "./_helpers.ts";
import { ranElsewhere } from "./_runs.ts";

/** The tag tools/rabbitmq-image gives the image it builds from Debian's RabbitMQ 4.3. */
export const LOCAL_IMAGE = "rabbitmq-local:4.3-management";

/** What the Docker tests run with, or why they skip. */
export type DockerSetup = { compose: Compose; image: string } | { skip: string };

async function docker(args: string[]) {
  const outcome = await runCommand("docker", args);
  assert.ok(outcome, "the docker command");
  return outcome;
}

/**
 * A Compose and an image: `RABBITMQ_IMAGE` when set; else the official
 * image, pulled if it is not here yet; else the local one of
 * tools/rabbitmq-image. Resolves `{ skip }` with the reason when there is
 * no engine, no Compose or no image, or when `.ci/run` runs the Docker tests
 * in its other run (they use brokers of their own, not the run's).
 */
export async function dockerSetup(): Promise<DockerSetup> {
  const elsewhere = ranElsewhere();
  if (elsewhere) return { skip: elsewhere };
  const found = await findCompose();
  if ("missing" in found) return { skip: found.missing };
  const wanted = Deno.env.get("RABBITMQ_IMAGE");
  if (wanted) {
    return (await docker(["image", "inspect", wanted])).code === 0
      ? { compose: found.compose, image: wanted }
      : { skip: `RABBITMQ_IMAGE names ${wanted}, which is not on this machine` };
  }
  if ((await docker(["image", "inspect", DEFAULT_IMAGE])).code === 0) {
    return { compose: found.compose, image: DEFAULT_IMAGE };
  }
  const pull = await docker(["pull", "-q", DEFAULT_IMAGE]);
  if (pull.code === 0) return { compose: found.compose, image: DEFAULT_IMAGE };
  if ((await docker(["image", "inspect", LOCAL_IMAGE])).code === 0) {
    return { compose: found.compose, image: LOCAL_IMAGE };
  }
  return {
    skip: `there is no RabbitMQ image: ${DEFAULT_IMAGE} could not be pulled (${
      lastLine(pull)
    }), and no ${LOCAL_IMAGE} was built (sudo tools/rabbitmq-image)`,
  };
}

/** Compose project, container, volume and network names of a project: what `down -v` must remove. */
export async function leftovers(project: string): Promise<string[]> {
  const label = `label=com.docker.compose.project=${project}`;
  const names: string[] = [];
  for (
    const args of [
      ["ps", "-a", "--filter", label, "--format", "container {{.Names}}"],
      ["volume", "ls", "--filter", label, "--format", "volume {{.Name}}"],
      ["network", "ls", "--filter", label, "--format", "network {{.Name}}"],
    ]
  ) {
    const outcome = await docker(args);
    assert.equal(outcome.code, 0, outcome.stderr);
    names.push(...outcome.stdout.split("\n").filter(Boolean));
  }
  return names;
}

/**
 * A compose project of the test's own (name `tutorials-test-…`) of `files`
 * with the variables `env` (ports, `RABBITMQ_IMAGE`): at scope exit (`await
 * using`) it is taken down with its volumes, and nothing of it may be left.
 */
export function testProject(
  setup: { compose: Compose; image: string },
  files: string[],
  env: Record<string, string>,
): ComposeProject & AsyncDisposable {
  const name = `tutorials-test-${crypto.randomUUID().slice(0, 8)}`;
  const project = new ComposeProject(setup.compose, {
    files,
    project: name,
    env: { RABBITMQ_IMAGE: setup.image, ...env },
  });
  const gone = atExit(async () => {
    await project.down({ volumes: true });
    assert.deepEqual(await leftovers(name), [], `what "down -v" left of ${name}`);
  });
  return Object.assign(project, { [Symbol.asyncDispose]: gone[Symbol.asyncDispose] });
}

/** Seconds since `start` (a `performance.now()`), to one decimal, for the tests' timing lines. */
export function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}

/**
 * The host addresses of the container's published ports: `docker port`'s
 * lines (`5672/tcp -> 127.0.0.1:49153`) and the port bindings of `docker
 * inspect`, one entry each.
 */
export async function publishedAddresses(container: string): Promise<string[]> {
  const port = await docker(["port", container]);
  assert.equal(port.code, 0, port.stderr);
  const fromPort = port.stdout.split("\n").filter(Boolean).map((line) => line.split(" -> ")[1]);
  const inspect = await docker([
    "inspect",
    "--format",
    "{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostIp}}:{{.HostPort}} {{end}}{{end}}",
    container,
  ]);
  assert.equal(inspect.code, 0, inspect.stderr);
  return [...fromPort, ...inspect.stdout.trim().split(/\s+/).filter(Boolean)];
}

/** This machine's IPv4 addresses other than loopback (those a network would reach it on). */
export function outwardAddresses(): string[] {
  return Deno.networkInterfaces()
    .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
    .map((i) => i.address);
}
