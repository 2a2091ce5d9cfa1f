/**
 * The Docker path, run for real: `deno task broker` (where a Docker engine
 * answers, Compose is its first way) brings compose.yaml's broker up (the official image, or the local one of
 * tools/rabbitmq-image where no registry answers) under a compose project of
 * the test's own (COMPOSE_PROJECT_NAME) on free ports, driven by whichever
 * Compose this machine has (tools/lib/compose.ts). The demo runs against it,
 * streams included; `deno task broker status` describes it; a durable
 * queue's persistent message survives `restart`; its ports are published on
 * 127.0.0.1 only; `deno task broker stop` takes it down, its volume kept.
 * Also, for real: the one sentence a Docker without an engine, or without a
 * Compose, gets. Skipped, with the reason, where no Docker engine answers.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { findCompose, runCommand, type Runner } from "../tools/lib/compose.ts";
import {
  dockerSetup,
  outwardAddresses,
  publishedAddresses,
  seconds,
  testProject,
} from "./_docker.ts";
import {
  assertExit,
  atExit,
  BROKER_COMMANDS,
  freePort,
  runTask,
  test,
  testDir,
  testName,
  uniqueName,
  withChannel,
} from "./_helpers.ts";

const setup = await dockerSetup();
const skip = "skip" in setup ? setup.skip : undefined;

/** Runs commands with PATH set to `path` (and other variables): which programs are installed. */
function runWith(env: Record<string, string>, timeoutMs?: number): Runner {
  return (command, args, more, timeout) =>
    runCommand(command, args, { ...more, ...env }, timeoutMs ?? timeout);
}

/**
 * A folder whose only program is a symbolic link to this machine's docker
 * command, removed at scope exit.
 */
async function onlyDocker(): Promise<{ path: string } & AsyncDisposable> {
  const dir = await testDir("only-docker-");
  const which = await runCommand("which", ["docker"]);
  assert.ok(which && which.code === 0, "a docker command on PATH");
  await Deno.symlink(which.stdout.trim(), `${dir.path}/docker`);
  return dir;
}

test("findCompose without a docker command says Docker is not installed", async () => {
  await using empty = await testDir("no-docker-");
  assert.deepEqual(await findCompose(runWith({ PATH: empty.path })), {
    missing: "Docker is not installed (no docker command)",
  });
});

test({
  name: testName(
    "findCompose: a docker command with no engine behind it, and an engine without a Compose, each get one sentence (not a hang)",
    (await runCommand("which", ["docker"]))?.code === 0 ? undefined : "there is no docker command",
  ),
  ignore: (await runCommand("which", ["docker"]))?.code !== 0,
  async fn(t) {
    await using only = await onlyDocker();
    const dir = only.path;
    await t.step("no engine: DOCKER_HOST names a socket nobody listens on", async () => {
      const started = performance.now();
      const found = await findCompose(
        runWith({ PATH: dir, DOCKER_HOST: `unix://${dir}/nothing.sock` }),
      );
      assert.ok("missing" in found, JSON.stringify(found));
      assert.match(
        found.missing,
        /^A Docker command is installed but no Docker engine answers \(.*nothing\.sock.*\); start Docker \(Docker Desktop, or "sudo dockerd"\)$/,
      );
      assert.ok(performance.now() - started < 10_000, "at once, not after a timeout");
    });
    await t.step("an engine that never answers: the question gives up, and says so", async () => {
      // A server that takes the connection and says nothing, as a hung engine would.
      const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const held: Deno.Conn[] = [];
      const accepting = (async () => {
        for await (const conn of silent) held.push(conn);
      })();
      await using _silent = atExit(async () => {
        silent.close();
        for (const conn of held) conn.close();
        await accepting.catch(() => {});
      });
      const { port } = silent.addr as Deno.NetAddr;
      const started = performance.now();
      const found = await findCompose(
        runWith({ PATH: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}` }, 2000),
      );
      assert.deepEqual(found, {
        missing:
          'A Docker command is installed but no Docker engine answers (no answer within 2 s); start Docker (Docker Desktop, or "sudo dockerd")',
      });
      assert.ok(performance.now() - started < 5000, "given up after 2 s");
    });
    const plugin = await runCommand("docker", ["compose", "version"]);
    await t.step({
      name: testName(
        "an engine, but only a docker command without the Compose plugin on PATH (no docker-compose)",
        skip ?? (plugin?.code === 0 ? "this docker command has the Compose plugin" : undefined),
      ),
      ignore: skip !== undefined || plugin?.code === 0,
      async fn() {
        const found = await findCompose(runWith({ PATH: dir }));
        assert.ok("missing" in found, JSON.stringify(found));
        assert.match(
          found.missing,
          /^Docker \S+ answers, but neither the Compose plugin \("docker compose"\) nor docker-compose is installed; install one \(https:\/\/docs\.docker\.com\/compose\/install\/, or Debian's "apt-get install docker-compose"\)$/,
        );
      },
    });
  },
});

test({
  name: testName(
    "compose.yaml: deno task broker brings it up on ports of its own; the demo runs against it, streams included; status; ports on 127.0.0.1 only; a persistent message survives restart; deno task broker stop",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    if ("skip" in setup) return;
    const ports = { amqp: freePort(), management: freePort(), stream: freePort() };
    const url = `amqp://guest:guest@127.0.0.1:${ports.amqp}`;
    const masked = `amqp://guest:***@127.0.0.1:${ports.amqp}`;
    await using project = testProject(setup, ["compose.yaml"], {
      BROKER_AMQP_PORT: String(ports.amqp),
      BROKER_MANAGEMENT_PORT: String(ports.management),
      BROKER_STREAM_PORT: String(ports.stream),
    });
    // The programs' settings, and the project the broker task's Compose acts on.
    const options = {
      env: {
        AMQP_URL: url,
        RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${ports.management}`,
        RABBITMQ_STREAM_PORT: String(ports.stream),
        RABBITMQ_IMAGE: setup.image,
        COMPOSE_PROJECT_NAME: project.project!,
      },
      withoutEnv: BROKER_COMMANDS,
    };
    await t.step(
      `deno task broker brings it up (${setup.compose.command} ${setup.compose.version}, ${setup.image})`,
      async () => {
        const started = performance.now();
        // Where an engine answers, Compose is the first way the broker task takes.
        const broker = await runTask("broker", [], options);
        assertExit(broker, 0, "deno task broker");
        console.log(
          `deno task broker through Compose, cold, until healthy: ${seconds(started)} s`,
        );
        assert.match(
          broker.stdout[0],
          /^Starting RabbitMQ with Docker Compose \((docker compose|docker-compose) -f compose\.yaml up -d( --wait)?, image \S+; its data in a Docker volume\) \.\.\.$/,
        );
        assert.equal(
          broker.stdout[1],
          `Started RabbitMQ ${
            broker.stdout[1].match(/RabbitMQ (\S+)/)?.[1]
          } at "${masked}" (Docker Compose ${setup.compose.version}, ${setup.image})`,
        );
        assert.match(broker.stdout[1], /^Started RabbitMQ 4\.\d+\.\d+ /);
        assert.equal((await project.containers("rabbitmq")).length, 1);
      },
    );

    await t.step("its ports are published on 127.0.0.1 only", async () => {
      const [container] = await project.containers("rabbitmq");
      const addresses = await publishedAddresses(container);
      assert.equal(addresses.length, 6, addresses.join(" ")); // 3 ports, seen twice
      for (const address of addresses) assert.match(address, /^127\.0\.0\.1:\d+$/);
      for (const port of Object.values(ports)) {
        assert.ok(addresses.includes(`127.0.0.1:${port}`), `${port} in ${addresses}`);
      }
      // And for real: this machine's other addresses refuse the AMQP port.
      for (const hostname of outwardAddresses()) {
        await assert.rejects(
          Deno.connect({ hostname, port: ports.amqp }),
          Deno.errors.ConnectionRefused,
          `${hostname}:${ports.amqp}`,
        );
      }
    });

    await t.step(
      "deno task demo runs every section against it, the stream tutorials too",
      async () => {
        const started = performance.now();
        const demo = await runTask("demo", [], options);
        const output = [...demo.stdout, ...demo.stderr].join("\n");
        assertExit(demo, 0, "deno task demo");
        assert.equal(
          demo.stdout[0],
          `A broker answers at "${masked}"`,
        );
        assert.ok(demo.stdout.some((line) => line.startsWith("== Stream tutorials")), output);
        assert.ok(!demo.stdout.some((line) => line.startsWith("Skipped:")), output);
        assert.ok(
          demo.stdout.some((line) =>
            /\[stream:receive\]\s+Received message Test message/.test(line)
          ),
          output,
        );
        assert.equal(
          demo.stdout.at(-1),
          "Done: every program above ran against the broker and exited cleanly.",
        );
        console.log(`deno task demo against it: ${seconds(started)} s`);
      },
    );

    await t.step("a durable queue's persistent message survives restart", async () => {
      const queue = uniqueName("durable");
      await withChannel(async (channel) => {
        await channel.assertQueue(queue, { durable: true });
        channel.sendToQueue(queue, Buffer.from("kept"), { persistent: true });
      }, url);
      // A transient queue beside it: gone after the restart, so a restart did happen.
      const transient = uniqueName("transient");
      await withChannel((channel) => channel.assertQueue(transient, { durable: false }), url);
      const started = performance.now();
      await project.restart("rabbitmq");
      console.log(`restart until healthy: ${seconds(started)} s`);
      await withChannel(async (channel) => {
        const message = await channel.get(queue, { noAck: true });
        assert.ok(message, "the message is still there");
        assert.equal(new TextDecoder().decode(message.content), "kept");
        assert.equal(message.properties.deliveryMode, 2);
        await channel.deleteQueue(queue);
      }, url);
      await assert.rejects(withChannel((channel) => channel.checkQueue(transient), url), /404/);
    });

    await t.step("deno task broker status describes the compose service", async () => {
      const status = await runTask("broker", ["status"], options);
      assertExit(status, 0, "deno task broker status");
      const [container] = await project.containers("rabbitmq");
      assert.match(status.stdout[0], /^Broker: +RabbitMQ 4\.\d+\.\d+ answers at "/);
      assert.match(
        status.stdout[1],
        new RegExp(
          `^How: +the compose service "rabbitmq" \\(${setup.compose.command} ${
            setup.compose.version.replaceAll(".", "\\.")
          }\\), container ${container.slice(0, 12)}, image ${setup.image}, started at \\S+$`,
        ),
      );
      assert.equal(
        status.stdout[2],
        `Ports:    AMQP ${ports.amqp}, management ${ports.management}, stream ${ports.stream} (on 127.0.0.1 only)`,
      );
      assert.equal(
        status.stdout[3],
        `Data:     the Docker volume ${project.project}_rabbitmq-data`,
      );
    });

    await t.step("deno task broker stop takes it down, its data volume kept", async () => {
      const stop = await runTask("broker", ["stop"], options);
      assertExit(stop, 0, "deno task broker stop");
      assert.match(
        stop.stdout.at(-1)!,
        /^Stopped the compose service \(.* down\); its data volume stays/,
      );
      assert.deepEqual(await project.containers("rabbitmq"), []);
      const volumes = await runCommand("docker", ["volume", "ls", "-q"]);
      assert.ok(volumes?.stdout.includes(`${project.project}_rabbitmq-data`), volumes?.stdout);
    });
  },
});
