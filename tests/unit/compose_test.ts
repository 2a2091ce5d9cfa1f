/**
 * Unit tests of tools/lib/compose.ts without Docker: reading what Compose
 * and `docker inspect` print, and the command lines a project runs (the
 * Docker tests, tests/docker_*_test.ts, run them for real).
 */
import assert from "node:assert/strict";
import {
  type Compose,
  ComposeProject,
  composeVersion,
  hasWait,
  lastLine,
  parseStates,
  readiness,
} from "../../tools/lib/compose.ts";

Deno.test("composeVersion reads `version --short` of Compose v1, v2 and Docker Desktop's", () => {
  assert.equal(composeVersion("1.29.2\n"), "1.29.2");
  assert.equal(composeVersion("v2.29.7\n"), "2.29.7");
  assert.equal(composeVersion("2.30.3-desktop.1"), "2.30.3-desktop.1");
  // What a docker command without the plugin prints instead.
  assert.equal(composeVersion("docker: 'compose' is not a docker command."), undefined);
  assert.equal(composeVersion(""), undefined);
});

Deno.test("hasWait: `up --wait` came with Compose 2.1.1", () => {
  assert.equal(hasWait("1.29.2"), false);
  assert.equal(hasWait("2.0.1"), false);
  assert.equal(hasWait("2.1.0"), false);
  assert.equal(hasWait("2.1.1"), true);
  assert.equal(hasWait("2.29.7"), true);
  assert.equal(hasWait("2.30.3-desktop.1"), true);
  assert.equal(hasWait("5.0.0"), true);
});

Deno.test("parseStates and readiness: running and healthy, starting, or a sentence for a dead end", () => {
  const states = parseStates(
    "abc /p_rabbit-1_1 running healthy\ndef /p_rabbit-2_1 running starting\nfed /p_other_1 running \n",
  );
  assert.deepEqual(states, [
    { id: "abc", name: "/p_rabbit-1_1", status: "running", health: "healthy" },
    { id: "def", name: "/p_rabbit-2_1", status: "running", health: "starting" },
    { id: "fed", name: "/p_other_1", status: "running", health: undefined },
  ]);
  assert.equal(readiness(states), false, "one is still starting");
  assert.equal(readiness([states[0], states[2]]), true, "healthy, or without a healthcheck");
  assert.equal(readiness([]), false, "no container yet");
  assert.equal(
    readiness([states[0], { ...states[1], status: "exited", health: "unhealthy" }]),
    "the container p_rabbit-2_1 stopped (exited)",
  );
  assert.equal(
    readiness([{ ...states[0], health: "unhealthy" }]),
    "the container p_rabbit-1_1 is unhealthy",
  );
});

Deno.test("lastLine picks the line that says what went wrong", () => {
  assert.equal(
    lastLine({
      code: 1,
      stdout: "",
      stderr:
        'Pulling rabbitmq (rabbitmq:4.3.0-management)...\nERROR: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host\n',
    }),
    'ERROR: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
  );
  assert.equal(lastLine({ code: 3, stdout: "", stderr: "" }), "exit code 3");
});

Deno.test("ComposeProject runs its files under its project name, with the variables given", async () => {
  const calls: { command: string; args: string[]; env?: Record<string, string> }[] = [];
  const record = (command: string, args: string[], env?: Record<string, string>) => {
    calls.push({ command, args, env });
    return Promise.resolve({ code: 0, stdout: "", stderr: "" });
  };
  const plugin: Compose = {
    command: "docker",
    prefix: ["compose"],
    version: "2.29.7",
    waits: true,
    engine: "27.3.1",
  };
  const project = new ComposeProject(plugin, {
    files: ["compose.yaml", "compose.tls.yaml"],
    project: "tutorials-test-1",
    env: { BROKER_AMQP_PORT: "5999" },
    run: record,
  });
  assert.equal(
    project.commandLine(["up", "-d"]),
    "docker compose -p tutorials-test-1 -f compose.yaml -f compose.tls.yaml up -d",
  );
  await project.run(["restart", "rabbitmq"]);
  assert.deepEqual(calls.at(-1), {
    command: "docker",
    args: [
      "compose",
      "-p",
      "tutorials-test-1",
      "-f",
      "compose.yaml",
      "-f",
      "compose.tls.yaml",
      "restart",
      "rabbitmq",
    ],
    env: { BROKER_AMQP_PORT: "5999" },
  });

  const v1 = new ComposeProject(
    { ...plugin, command: "docker-compose", prefix: [], waits: false },
    {
      run: record,
    },
  );
  assert.equal(v1.commandLine(["up", "-d"]), "docker-compose -f compose.yaml up -d");
  await v1.run(["down", "--remove-orphans", "-v"]);
  assert.deepEqual(calls.at(-1)?.args, ["-f", "compose.yaml", "down", "--remove-orphans", "-v"]);
});
