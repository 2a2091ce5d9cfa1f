/**
 * tools/rabbitmq4, the project's RabbitMQ 4.x without Docker: Debian's
 * rabbitmq-server in a chroot (built on first use, in about a minute), with
 * several named nodes in one root. The tests start nodes of their own names,
 * on free ports, beside the suite's broker: one that the stream tutorials
 * run against, recorded in its state.json and stopped; three that form a
 * cluster at boot; and a build that cannot be done, which ends in one
 * sentence. They need root (chroot, mount) and debootstrap (installed on
 * first use where apt-get is).
 */
import assert from "node:assert/strict";
import { brokerVersion } from "../lib/broker_version.ts";
import { nodeStates, RABBITMQ4, rabbitmq4, startedNodeAt } from "../tools/lib/rabbitmq4.ts";
import { ranElsewhere } from "./_runs.ts";
import {
  assertExit,
  atExit,
  cannotRunAsNobody,
  freePort,
  runTask,
  startReady,
  test,
  testDir,
  testName,
  uniqueName,
} from "./_helpers.ts";

async function installed(command: string): Promise<boolean> {
  return (await new Deno.Command("which", { args: [command], stdout: "null" }).output()).success;
}

const skip = ranElsewhere() ??
  (Deno.uid() !== 0
    ? "it needs root (debootstrap, chroot, mount)"
    : !(await installed("debootstrap")) && !(await installed("apt-get"))
    ? "it needs debootstrap, or apt-get to install it (a Debian-family machine)"
    : undefined);
const STARTED_BY = "tests/rabbitmq4_tool_test.ts";

/** A node of the test's own: a unique name, and free ports for everything it listens on. */
function testNode(name: string) {
  const ports = { amqp: freePort(), management: freePort(), stream: freePort(), dist: freePort() };
  return {
    name,
    ports,
    args: ["--node", name, "--port", String(ports.amqp)],
    env: {
      RABBITMQ4_MGMT_PORT: String(ports.management),
      RABBITMQ4_STREAM_PORT: String(ports.stream),
      RABBITMQ4_DIST_PORT: String(ports.dist),
      RABBITMQ4_STARTED_BY: STARTED_BY,
    },
    url: `amqp://guest:guest@127.0.0.1:${ports.amqp}`,
  };
}

/** Runs the script itself (its exit code and both outputs), as people do. */
async function script(args: string[], env: Record<string, string> = {}) {
  const result = await new Deno.Command("bash", { args: [RABBITMQ4, ...args], env, stdin: "null" })
    .output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).split("\n").filter(Boolean);
  return { code: result.code, stdout: text(result.stdout), stderr: text(result.stderr) };
}

async function portOpen(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

test({
  name: testName(
    "tools/rabbitmq4: a node of its own name, ports and folder starts, serves the stream tutorials, is recorded in state.json, and stops",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    const node = testNode(uniqueName("rabbit4").replaceAll(".", "-"));
    await using _node = atExit(async () => {
      await rabbitmq4([...node.args, "delete"], { env: node.env });
      assert.equal((await nodeStates()).some((state) => state.name === node.name), false);
    });
    const progress: string[] = [];
    await t.step("start (building the root the first time) says what it does", async () => {
      await rabbitmq4([...node.args, "start"], { env: node.env, log: (l) => progress.push(l) });
      const building = progress.find((line) => line.startsWith("building RabbitMQ"));
      if (building) {
        assert.match(
          building,
          /^building RabbitMQ 4\.[03] from Debian (sid|trixie) into \S+: first time only, about a minute \(log: \S+\/build\.log\)$/,
        );
      }
      assert.ok(
        progress.some((line) =>
          line.startsWith(
            `starting ${node.name}@localhost: AMQP 127.0.0.1:${node.ports.amqp}, management ${node.ports.management}, stream ${node.ports.stream}; its configuration, data and logs in `,
          )
        ),
        progress.join("\n"),
      );
      assert.match(
        progress.at(-1)!,
        new RegExp(
          `^started RabbitMQ 4\\.\\d+\\.\\d+ \\(Debian (sid|trixie)\\) as ${node.name}@localhost in \\d+ s: amqp://guest:guest@127\\.0\\.0\\.1:${node.ports.amqp}$`,
        ),
      );
    });

    await t.step(
      "the bench, run at once, finds the node's OS process (its first statistics come ~5 s after the start)",
      async () => {
        await using dir = await testDir("bench-fresh-node");
        const file = `${dir.path}/bench.json`;
        const env = {
          AMQP_URL: node.url,
          RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${node.ports.management}`,
          RABBITMQ_STREAM_PORT: String(node.ports.stream),
        };
        const bench = await runTask("bench", ["--quick", "--amqp", "--json", file], { env });
        assertExit(bench, 0, "deno task bench");
        const { osPid } = JSON.parse(await Deno.readTextFile(file)).context.broker;
        assert.match(osPid ?? "", /^\d+$/, bench.stderr.join("\n"));
        assert.match(await Deno.readTextFile(`/proc/${osPid}/cmdline`), new RegExp(node.name));
        const waited = bench.stderr.find((line) => line.startsWith("Waiting for the first"));
        if (waited) {
          assert.equal(
            waited,
            `Waiting for the first statistics of ${node.name}@localhost, which has just started ...`,
          );
        }
        assert.ok(!bench.stdout.some((line) => line.startsWith("No broker CPU")), bench.stdout[1]);
      },
    );

    await t.step(
      "its state.json says what was started, how, where, and that it runs",
      async () => {
        const record = (await nodeStates()).find((state) => state.name === node.name);
        assert.ok(record, "a record");
        assert.equal(record.running, true);
        assert.equal(record.node, `${node.name}@localhost`);
        assert.equal(record.startedBy, STARTED_BY);
        assert.equal(record.stoppedAt, null);
        assert.equal(typeof record.pid, "number");
        assert.deepEqual(
          [record.ports.amqp, record.ports.management, record.ports.stream],
          [node.ports.amqp, node.ports.management, node.ports.stream],
        );
        assert.equal(record.rabbitmq, await brokerVersion(node.url));
        assert.match(record.rabbitmq, /^4\./);
        assert.deepEqual(record.config, ["10-rabbitmq-4.3-defaults.conf", "20-tutorials.conf"]);
        assert.ok((await Deno.stat(`${record.data}/${record.node}`)).isDirectory, record.data);
        assert.equal(
          (await startedNodeAt(`amqp://localhost:${node.ports.amqp}`))?.name,
          node.name,
        );
        const status = await script([...node.args, "status"], node.env);
        assertExit(status, 0, "tools/rabbitmq4 status");
        assert.match(
          status.stdout[0],
          new RegExp(
            `^${node.name}@localhost: running RabbitMQ 4\\.\\d+\\.\\d+ \\(Debian \\w+\\), started by ${STARTED_BY} at \\S+, process \\d+, RSS \\d+ MB; ports amqp: ${node.ports.amqp}, management: ${node.ports.management}, stream: ${node.ports.stream}, `,
          ),
        );
      },
    );

    await t.step(
      "the stream tutorials run against it (its advertised host and port)",
      async () => {
        // Its AMQP URL and management API (its ports are not 5672 + 10,000); the stream port
        // comes from the API's listeners (the suite's RABBITMQ_STREAM_PORT is another broker's).
        const env = {
          AMQP_URL: node.url,
          RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${node.ports.management}`,
        };
        const withoutEnv = ["RABBITMQ_STREAM_PORT"];
        const sent = await runTask("stream:send", [], { env, withoutEnv });
        assertExit(sent, 0, "deno task stream:send");
        assert.equal(sent.stdout.at(-1), "done!");
        // Stopped with Ctrl+C at scope exit, where it must exit 0.
        await using _receiver = await startReady(
          "stream:receive",
          [],
          "Received message Test message",
          { env, withoutEnv },
        );
      },
    );

    await t.step("stop: the record says stopped, its ports close, status exits 3", async () => {
      await rabbitmq4([...node.args, "stop"], { env: node.env });
      const record = (await nodeStates()).find((state) => state.name === node.name);
      assert.ok(record);
      assert.equal(record.running, false);
      assert.equal(record.pid, null);
      assert.match(record.stoppedAt ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      for (const port of Object.values(node.ports)) assert.equal(await portOpen(port), false);
      assert.equal(await startedNodeAt(`amqp://localhost:${node.ports.amqp}`), undefined);
      const status = await script([...node.args, "status"], node.env);
      assertExit(status, 3, "tools/rabbitmq4 status");
      assert.match(
        status.stdout[0],
        new RegExp(`^${node.name}@localhost: stopped \\(RabbitMQ 4\\.`),
      );
    });
  },
});

test({
  name: testName("tools/rabbitmq4 --cluster: three nodes started together form one cluster", skip),
  ignore: skip !== undefined,
  async fn() {
    const prefix = uniqueName("c").replaceAll(".", "-");
    const nodes = [1, 2, 3].map((i) => testNode(`${prefix}-${i}`));
    const peers = nodes.map((node) => node.name).join(",");
    await using _nodes = atExit(() =>
      Promise.all(nodes.map((node) => rabbitmq4([...node.args, "delete"], { env: node.env })))
    );
    await Promise.all(
      nodes.map((node) =>
        rabbitmq4([...node.args, "--cluster", peers, "start"], { env: node.env })
      ),
    );
    const out = await script(
      [...nodes[0].args, "ctl", "-q", "cluster_status", "--formatter", "json"],
      nodes[0].env,
    );
    assertExit(out, 0, "tools/rabbitmq4 ctl cluster_status");
    const status = JSON.parse(out.stdout.join("\n")) as { running_nodes: string[] };
    assert.deepEqual(
      status.running_nodes.toSorted(),
      nodes.map((node) => `${node.name}@localhost`),
    );
  },
});

/**
 * A free port that tools/rabbitmq4 takes as an AMQP port: the node's distribution port is 20,000
 * above it, so it must be at most 45,535 (a free port from the kernel's ephemeral range often is not).
 */
function freeAmqpPort(): number {
  let port = freePort();
  while (port > 45_535) port = freePort();
  return port;
}

test({
  name: testName("tools/rabbitmq4: a build that cannot be done ends in one sentence", skip),
  ignore: skip !== undefined,
  async fn(t) {
    const asNobody = await cannotRunAsNobody();
    await t.step({
      name: testName("not root", asNobody),
      ignore: asNobody !== undefined,
      async fn() {
        const args = ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", RABBITMQ4];
        const result = await new Deno.Command("setpriv", {
          args: [...args, "--node", "x", "--port", String(freeAmqpPort()), "start"],
          stdin: "null",
        }).output();
        assert.equal(result.code, 1);
        assert.equal(
          new TextDecoder().decode(result.stderr),
          "rabbitmq4: ERROR: must run as root (debootstrap, chroot, mount)\n",
        );
      },
    });

    await t.step("no Debian mirror answers: sid, then trixie, then the sentence", async () => {
      await using unbuildable = await testDir("rabbitmq4-unbuildable-");
      const dir = unbuildable.path;
      const mirror = `http://127.0.0.1:${freePort()}/debian`;
      const result = await script(["--node", "x", "--port", String(freeAmqpPort()), "start"], {
        RABBITMQ4_DIR: dir,
        RABBITMQ4_MIRROR: mirror,
      });
      assertExit(result, 1, "tools/rabbitmq4 start");
      assert.deepEqual(result.stdout, []);
      assert.ok(
        result.stderr.includes(
          "rabbitmq4: Debian sid's rabbitmq-server could not be installed; trying trixie's (RabbitMQ 4.0)",
        ),
        result.stderr.join("\n"),
      );
      assert.equal(
        result.stderr.at(-1),
        `rabbitmq4: ERROR: could not build a RabbitMQ 4.x root: debootstrap sid failed (E: Failed getting release file ${mirror}/dists/sid/Release); debootstrap trixie failed (E: Failed getting release file ${mirror}/dists/trixie/Release); the logs are in ${dir}/*/build.log`,
      );
    });
  },
});
