/**
 * compose.cluster.yaml, run for real: three RabbitMQ containers that form
 * one cluster at boot (rabbitmq/cluster.conf, one Erlang cookie), under a
 * compose project of the test's own on free ports. A worker given the three
 * URLs fails over when the container it is connected to, the leader of its
 * quorum queue, is killed (SIGKILL), and the killed node rejoins when
 * started again. Skipped, with the reason, where no Docker engine answers.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { maskUrl } from "../lib/url.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import { dockerSetup, publishedAddresses, seconds, testProject } from "./_docker.ts";
import {
  assertExit,
  atExit,
  eventually,
  freePort,
  runTask,
  startReady,
  test,
  testName,
  uniqueName,
  withChannel,
} from "./_helpers.ts";

const setup = await dockerSetup();
const skip = "skip" in setup ? setup.skip : undefined;

const NODES = [1, 2, 3];

/** GET on a node's management API, as guest. */
async function management<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` },
    signal: AbortSignal.timeout(5000),
  });
  assert.ok(response.ok, `${path}: ${response.status}`);
  return await response.json() as T;
}

/** A queue's leader, consumers and messages, as the management API says (or why it cannot). */
async function figures(port: number, queue: string): Promise<string> {
  try {
    const q = await management<Record<string, unknown>>(
      port,
      `/api/queues/%2F/${encodeURIComponent(queue)}`,
    );
    return ["leader", "consumers", "messages_ready", "messages_unacknowledged"]
      .map((key) => `${key} ${q[key]}`).join(", ");
  } catch (error) {
    return String(error);
  }
}

test({
  name: testName(
    "compose.cluster.yaml: three containers form one cluster; a worker given the three URLs fails over when the container it uses is killed",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    if ("skip" in setup) return;
    const amqpPorts = NODES.map(() => freePort());
    const managementPorts = NODES.map(() => freePort());
    const urls = amqpPorts.map((port) => `amqp://guest:guest@127.0.0.1:${port}`);
    const variables: Record<string, string> = {};
    NODES.forEach((n, i) => {
      variables[`CLUSTER_AMQP_PORT_${n}`] = String(amqpPorts[i]);
      variables[`CLUSTER_MANAGEMENT_PORT_${n}`] = String(managementPorts[i]);
    });
    const runningNodes = async (port: number) =>
      (await management<{ name: string; running: boolean }[]>(port, "/api/nodes"))
        .filter((node) => node.running).map((node) => node.name).sort();

    await using project = testProject(setup, ["compose.cluster.yaml"], variables);
    await t.step(
      `up: three nodes, healthy (${setup.compose.command} ${setup.compose.version}, ${setup.image})`,
      async () => {
        const started = performance.now();
        await project.up();
        console.log(`compose.cluster.yaml up, cold, until healthy: ${seconds(started)} s`);
      },
    );

    await t.step("they form one cluster of three running nodes", async () => {
      await eventually("the cluster lists three running nodes", async () => {
        const running = await runningNodes(managementPorts[0]).catch(() => []);
        return running.length === 3;
      }, 60_000);
      for (const port of managementPorts) {
        assert.deepEqual(await runningNodes(port), [
          "rabbit@rabbit-1",
          "rabbit@rabbit-2",
          "rabbit@rabbit-3",
        ]);
      }
    });

    await t.step("every port is published on 127.0.0.1 only", async () => {
      for (const node of NODES) {
        const [container] = await project.containers(`rabbit-${node}`);
        const addresses = await publishedAddresses(container);
        assert.equal(addresses.length, 4, addresses.join(" "));
        for (const address of addresses) assert.match(address, /^127\.0\.0\.1:\d+$/);
      }
    });

    await t.step(
      "kill -9 of rabbit-1, which the worker uses and which leads its quorum queue: the worker goes on with the next URL",
      async () => {
        const queue = uniqueName("task_queue");
        // Deleted through rabbit-2, which the kill leaves running.
        await using _queue = atExit(() =>
          withChannel((channel) => channel.deleteQueue(queue), urls[1])
        );
        const env = { AMQP_URL: urls.join(",") };
        await using worker = await startReady("worker", ["--queue", queue], WAITING, { env });
        await worker.waitFor(/^Connected to /, { stream: "stderr" });
        assert.deepEqual(worker.stderr, [`Connected to "${maskUrl(urls[0])}"`]);
        const sent = await runTask("new_task", ["--queue", queue, "before."], { env });
        assertExit(sent, 0, "deno task new_task");
        await worker.waitFor(" [x] Done");
        const leader = async () =>
          (await management<{ leader?: string }>(
            managementPorts[1],
            `/api/queues/%2F/${encodeURIComponent(queue)}`,
          )).leader;
        assert.equal(await leader(), "rabbit@rabbit-1");

        const killed = performance.now();
        await project.run(["kill", "-s", "SIGKILL", "rabbit-1"]);
        await worker.waitFor(/^Reconnected to /, { stream: "stderr", timeoutMs: 60_000 });
        console.log(`the worker reconnected ${seconds(killed)} s after the kill`);
        assert.ok(
          worker.stderr.some((line) =>
            line.startsWith(`Lost the connection to "${maskUrl(urls[0])}"`)
          ),
          worker.stderr.join("\n"),
        );
        assert.ok(
          [urls[1], urls[2]].some((url) =>
            worker.stderr.includes(`Reconnected to "${maskUrl(url)}"`)
          ),
          worker.stderr.join("\n"),
        );
        await eventually("a new leader on rabbit-2 or rabbit-3", async () => {
          const now = await leader().catch(() => undefined);
          return now === "rabbit@rabbit-2" || now === "rabbit@rabbit-3";
        }, 60_000);

        const after = await runTask("new_task", ["--queue", queue, "after."], { env });
        assertExit(after, 0, "deno task new_task");
        assert.deepEqual(after.stdout, [" [x] Sent 'after.'"]);
        // Seen once in a dozen runs: no delivery within 20 s. Waited for longer, and said how
        // long it took, with the queue's figures, to tell a late delivery from a lost one.
        const sentAt = performance.now();
        try {
          await worker.waitFor(/^ \[x\] Received 'after\.'/, { timeoutMs: 120_000 });
        } finally {
          console.log(
            `'after.' reached the worker ${seconds(sentAt)} s after it was sent (${await figures(
              managementPorts[1],
              queue,
            )}): ${worker.stdout.at(-1)}`,
          );
        }
        await worker.waitFor(" [x] Done", { count: 2 });
      },
    );

    await t.step("rabbit-1, started again, rejoins: three running nodes", async () => {
      const started = performance.now();
      await project.run(["start", "rabbit-1"]);
      await project.waitHealthy();
      await eventually("the cluster lists three running nodes again", async () => {
        const running = await runningNodes(managementPorts[1]).catch(() => []);
        return running.length === 3;
      }, 60_000);
      console.log(`rabbit-1 back in the cluster after ${seconds(started)} s`);
    });
  },
});
