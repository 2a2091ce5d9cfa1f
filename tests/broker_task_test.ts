/**
 * `deno task broker` (tools/broker.ts): where nothing answers and no Docker
 * engine runs, as root on Debian, it starts the project's RabbitMQ 4.x from
 * a Debian chroot, and the demo runs every section against it, the stream
 * tutorials included; `status` reports it and `stop` stops it. The test
 * gives it a port and a node of its own (rabbit4-PORT), beside the suite's
 * broker. A broker task that cannot start anything falls back way by way
 * and ends in one sentence. With a 3.x broker answering (the run against
 * 3.10), the task and the demo say which version it is, what it lacks and
 * the command that gets 4.3.
 */
import assert from "node:assert/strict";
import { maskUrl } from "../lib/url.ts";
import { chrootPossible } from "../tools/lib/local_nodes.ts";
import { lacksStreams } from "../tools/lib/broker.ts";
import { rabbitmq4 } from "../tools/lib/rabbitmq4.ts";
import { ranElsewhere } from "./_runs.ts";
import {
  assertExit,
  atExit,
  BROKER_COMMANDS,
  BROKER_URL,
  brokerVersionAt,
  cannotRunAsNobody,
  freePort,
  runTask,
  test,
  testDir,
  testName,
} from "./_helpers.ts";

/** What a child must not inherit: the suite broker's commands, and who starts nodes. */
const NOT_THEIRS = [...BROKER_COMMANDS, "RABBITMQ4_STARTED_BY"];

/** A broker URL of the test's own: free ports, nothing answering, no Docker engine. */
function nothingAnswers() {
  const ports = { amqp: freePort(), management: freePort(), stream: freePort() };
  const url = `amqp://guest:guest@127.0.0.1:${ports.amqp}`;
  const env = {
    AMQP_URL: url,
    RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${ports.management}`,
    RABBITMQ_STREAM_PORT: String(ports.stream),
    // A socket nobody listens on: the Docker command, if there is one, finds no engine.
    DOCKER_HOST: `unix:///nonexistent/docker-${ports.amqp}.sock`,
  };
  return { ports, url, masked: `amqp://guest:***@127.0.0.1:${ports.amqp}`, env };
}

const NO_DOCKER =
  /^Not with Docker Compose: (Docker is not installed \(no docker command\)|A Docker command is installed but no Docker engine answers \(.+\); start Docker \(Docker Desktop, or "sudo dockerd"\))$/;

const skip = ranElsewhere() ??
  (await chrootPossible()
    ? undefined
    : "it needs root and debootstrap (or apt-get to install it), for tools/rabbitmq4");

test({
  name: testName(
    "deno task broker where nothing answers and no Docker engine runs: RabbitMQ 4.x from a Debian chroot; the demo runs every section on it, streams included; status reports it, stop stops it",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    const broker = nothingAnswers();
    const name = `rabbit4-${broker.ports.amqp}`;
    const options = { env: broker.env, withoutEnv: NOT_THEIRS };
    await using _node = atExit(() =>
      rabbitmq4(["--node", name, "--port", String(broker.ports.amqp), "delete"])
    );

    await t.step("deno task broker starts it, saying what it does", async () => {
      const started = await runTask("broker", [], options);
      assertExit(started, 0, "deno task broker");
      const out = started.stdout;
      assert.match(out[0], NO_DOCKER);
      assert.equal(
        out[1],
        `Starting RabbitMQ 4.x from a Debian chroot (tools/rabbitmq4, node ${name}) ...`,
      );
      // Progress lines of tools/rabbitmq4, indented: a build the first time, then the start.
      const progress = out.slice(2).filter((line) => line.startsWith("  "));
      assert.ok(
        progress.includes(
          `  starting ${name}@localhost: AMQP 127.0.0.1:${broker.ports.amqp}, management ${broker.ports.management}, stream ${broker.ports.stream}; its configuration, data and logs in ${
            progress.join("\n").match(/data and logs in (\S+)/)?.[1]
          }`,
        ),
        out.join("\n"),
      );
      const line = out.find((line) => line.startsWith("Started "));
      assert.match(
        line ?? "",
        new RegExp(
          `^Started RabbitMQ 4\\.\\d+\\.\\d+ at "${
            broker.masked.replaceAll(".", "\\.").replaceAll("*", "\\*")
          }" \\(tools/rabbitmq4, node ${name}@localhost\\)$`,
        ),
        out.join("\n"),
      );
      assert.ok(out.includes(`AMQP URL:      ${broker.masked}`), out.join("\n"));
      assert.ok(
        out.includes(
          `Management UI: http://127.0.0.1:${broker.ports.management} (user guest, password guest, unless yours differ)`,
        ),
        out.join("\n"),
      );
      // Its ports are those the environment gives the programs: nothing more to set.
      assert.ok(!out.some((line) => line.startsWith("Its ports are not")), out.join("\n"));
    });

    await t.step("the demo runs every section against it, the stream tutorials too", async () => {
      const demo = await runTask("demo", [], options);
      const output = [...demo.stdout, ...demo.stderr].join("\n");
      assertExit(demo, 0, "deno task demo");
      assert.equal(demo.stdout[0], `A broker answers at "${broker.masked}"`);
      assert.ok(demo.stdout.some((line) => line.startsWith("== Stream tutorials")), output);
      assert.ok(!demo.stdout.some((line) => line.startsWith("Skipped:")), output);
      assert.ok(
        demo.stdout.some((line) => /\[stream:receive\]\s+Received message Test message/.test(line)),
        output,
      );
      assert.equal(
        demo.stdout.at(-1),
        "Done: every program above ran against the broker and exited cleanly.",
      );
    });

    await t.step("status says which broker, its version, how started, ports, data", async () => {
      const status = await runTask("broker", ["status"], options);
      assertExit(status, 0, "deno task broker status");
      const [broker4, how, ports, data, commands] = status.stdout;
      assert.match(broker4, new RegExp(`^Broker: +RabbitMQ 4\\.\\d+\\.\\d+ answers at "`));
      assert.match(
        how,
        new RegExp(
          `^How: +the node ${name}@localhost of tools/rabbitmq4 \\(Debian (sid|trixie)\\), started by deno task broker at \\S+Z, process \\d+$`,
        ),
      );
      assert.equal(
        ports,
        `Ports:    AMQP ${broker.ports.amqp}, management ${broker.ports.management}, stream ${broker.ports.stream} (on 127.0.0.1 only)`,
      );
      assert.match(data, new RegExp(`^Data: +\\S+/nodes/${name}/data \\(its folder `));
      assert.match(commands, new RegExp(`^Commands: \\S+/bin/${name}/rabbitmqctl `));
    });

    await t.step("stop stops it (its data stays); status then finds none", async () => {
      const stop = await runTask("broker", ["stop"], options);
      assertExit(stop, 0, "deno task broker stop");
      assert.match(
        stop.stdout.at(-1)!,
        new RegExp(`^Stopped ${name}@localhost \\(RabbitMQ 4\\.\\d+\\.\\d+\\); its data stays in `),
      );
      const status = await runTask("broker", ["status"], options);
      assertExit(status, 3, "deno task broker status, after stop");
      assert.equal(
        status.stdout[0],
        `No broker answers at "${broker.masked}"; "deno task broker" starts one`,
      );
    });
  },
});

test({
  name: testName(
    "deno task broker that cannot start a broker tries each way and ends in one sentence: not root; a build that fails",
    ranElsewhere(),
  ),
  ignore: ranElsewhere() !== undefined,
  async fn(t) {
    const ending =
      /^No broker answers at "[^"]+", and none could be started here \(why not, for each way, is above\): start Docker and run "deno task broker" again, or run it as root on a Debian-family machine \(RabbitMQ 4\.3 from a Debian chroot, no Docker needed\), or install RabbitMQ \(https:\/\/www\.rabbitmq\.com\/docs\/download\)$/;
    const notThere = (port: number) =>
      `Not with the installed rabbitmq-server: the installed rabbitmq-server listens where its own configuration says (5672 by default), not on port ${port}`;

    const asNobody = await cannotRunAsNobody();
    await t.step({
      name: testName("not root", asNobody),
      ignore: asNobody !== undefined,
      async fn() {
        const broker = nothingAnswers();
        // Deno's npm cache, where nobody can read it.
        await using denoDir = await testDir("deno-dir-");
        const npm = new Deno.Command("deno", { args: ["info", "--json"] }).outputSync();
        const { npmCache } = JSON.parse(new TextDecoder().decode(npm.stdout));
        await new Deno.Command("cp", { args: ["-r", npmCache, `${denoDir.path}/npm`] }).output();
        await new Deno.Command("chown", { args: ["-R", "65534:65534", denoDir.path] }).output();
        const result = await new Deno.Command("setpriv", {
          args: [
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "deno",
            "task",
            "-q",
            "broker",
          ],
          env: { ...broker.env, DENO_DIR: denoDir.path, HOME: denoDir.path },
          cwd: new URL("..", import.meta.url),
          stdin: "null",
        }).output();
        const lines = (bytes: Uint8Array) =>
          new TextDecoder().decode(bytes).split("\n").filter(Boolean);
        const [stdout, stderr] = [lines(result.stdout), lines(result.stderr)];
        assert.equal(result.code, 1, [...stdout, ...stderr].join("\n"));
        assert.match(stdout[0], NO_DOCKER);
        assert.deepEqual(stdout.slice(1), [
          'Not with RabbitMQ 4.x from a Debian chroot: it needs root (chroot, mount): run "deno task broker" as root for RabbitMQ 4.3 without Docker',
          notThere(broker.ports.amqp),
        ]);
        assert.equal(stderr.length, 1, stderr.join("\n"));
        assert.match(stderr[0], ending);
      },
    });

    await t.step("a build that fails (no Debian mirror answers)", async () => {
      const broker = nothingAnswers();
      await using dir = await testDir("rabbitmq4-unbuildable-");
      const failed = await runTask("broker", [], {
        env: {
          ...broker.env,
          RABBITMQ4_DIR: dir.path,
          RABBITMQ4_MIRROR: `http://127.0.0.1:${freePort()}/debian`,
        },
        withoutEnv: NOT_THEIRS,
      });
      assertExit(failed, 1, "deno task broker");
      const out = failed.stdout;
      assert.match(out[0], NO_DOCKER);
      assert.ok(
        out.some((line) =>
          /^ {2}building RabbitMQ 4\.3 from Debian sid into \S+: first time only, about a minute \(log: \S+\)$/
            .test(line)
        ),
        out.join("\n"),
      );
      assert.match(
        out.at(-2)!,
        /^Not with RabbitMQ 4\.x from a Debian chroot: could not build a RabbitMQ 4\.x root: debootstrap sid failed \(.+\); debootstrap trixie failed \(.+\); the logs are in \S+$/,
      );
      assert.equal(out.at(-1), notThere(broker.ports.amqp));
      assert.equal(failed.stderr.length, 1, failed.stderr.join("\n"));
      assert.match(failed.stderr[0], ending);
    });
  },
});

const version = await brokerVersionAt().catch(() => "unknown");
const older = /^3\./.test(version)
  ? undefined
  : `the broker under test is RabbitMQ ${version}: the notice is for 3.x (the run against 3.10 shows it)`;

/** The notice for a 3.x broker: its version, what it lacks, the command for 4.3 beside it. */
const NOTICE = new RegExp(
  `^RabbitMQ ${
    version.replaceAll(".", "\\.")
  } answers at "[^"]+": it lacks (streams \\(RabbitMQ 3\\.11\\+: the stream tutorials are skipped\\) and )?AMQP 1\\.0 v2 \\(4\\.0\\+\\)\\. (RabbitMQ 4\\.3 beside it, leaving it as it is \\(as root\\): deno task broker --rabbitmq 4\\.3 --url amqp://\\S+:\\d+|RabbitMQ 4\\.\\d+\\.\\d+ runs beside it \\(.+\\): AMQP_URL=amqp://\\S+ RABBITMQ_MANAGEMENT_URL=http://\\S+ RABBITMQ_STREAM_PORT=\\d+)$`,
);

test({
  name: testName(
    "with a 3.x broker answering, deno task broker and the demo name its version, what it lacks and the command for 4.3",
    older,
  ),
  ignore: older !== undefined,
  async fn() {
    const broker = await runTask("broker");
    assertExit(broker, 0, "deno task broker");
    assert.equal(broker.stdout[0], `A broker answers at "${maskUrl(BROKER_URL)}"`);
    assert.match(broker.stdout[1], NOTICE);
    assert.equal(broker.stdout.filter((line) => NOTICE.test(line)).length, 1, "once");

    // The demo says it once too, before its first section, and the sections the broker lacks
    // point to it rather than name another way to 4.3.
    const demo = await runTask("demo");
    assertExit(demo, 0, "deno task demo");
    assert.match(demo.stdout[1], NOTICE);
    assert.equal(demo.stdout.filter((line) => NOTICE.test(line)).length, 1, "once");
    const see = "the second line above says how to get RabbitMQ 4.3";
    assert.deepEqual(demo.stdout.filter((line) => line.startsWith("Skipped:")), [
      ...(lacksStreams(version)
        ? [`Skipped: the stream tutorials need RabbitMQ 3.11 or later; ${see}`]
        : []),
      `Skipped: AMQP 1.0 with v2 addresses needs RabbitMQ 4.0 or later; ${see}`,
    ]);
  },
});
