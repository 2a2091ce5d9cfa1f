/**
 * compose.tls.yaml, run for real: compose.yaml's broker with AMQP over TLS
 * (rabbitmq/tls.conf) and the test's own throwaway certificates mounted
 * (RABBITMQ_CERTS_DIR), under a compose project of the test's own on free
 * ports. A program connects with --ca, --cert and --key; a CA that did not
 * sign the broker's certificate is refused with the certificate sentence.
 * Skipped, with the reason, where no Docker engine answers.
 */
import assert from "node:assert/strict";
import { makeCertificates } from "./_certs.ts";
import { dockerSetup, publishedAddresses, seconds, testProject } from "./_docker.ts";
import { managementRequest } from "../lib/management.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  eventually,
  freePort,
  runTask,
  startReady,
  test,
  testDir,
  testName,
  uniqueName,
} from "./_helpers.ts";

const setup = await dockerSetup();
const skip = "skip" in setup ? setup.skip : undefined;

test({
  name: testName(
    "compose.tls.yaml: the broker serves amqps with the mounted certificates; send connects with --ca, --cert and --key",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    if ("skip" in setup) return;
    await using certsDir = await testDir("docker-tls-test-");
    const certs = certsDir.path;
    await makeCertificates(certs, "tls-learner");
    // The container's rabbitmq user (999) reads the key: a throwaway key, in the test's folder.
    await Deno.chmod(`${certs}/server.key`, 0o644);
    await Deno.chmod(certs, 0o755);
    const port = freePort();
    const variables = {
      BROKER_AMQP_PORT: String(freePort()),
      BROKER_MANAGEMENT_PORT: String(freePort()),
      BROKER_STREAM_PORT: String(freePort()),
      BROKER_AMQPS_PORT: String(port),
      RABBITMQ_CERTS_DIR: certs,
    };
    await using project = testProject(setup, ["compose.yaml", "compose.tls.yaml"], variables);
    await t.step(`up (${setup.compose.command} ${setup.compose.version})`, async () => {
      const started = performance.now();
      await project.up();
      console.log(
        `compose.yaml + compose.tls.yaml up, cold, until healthy: ${seconds(started)} s`,
      );
      const [container] = await project.containers("rabbitmq");
      const addresses = await publishedAddresses(container);
      assert.ok(addresses.includes(`127.0.0.1:${port}`), addresses.join(" "));
      for (const address of addresses) assert.match(address, /^127\.0\.0\.1:\d+$/);
    });

    const url = `amqps://guest:guest@localhost:${port}`;
    const queue = uniqueName("hello");
    const tls = [
      "--ca",
      `${certs}/ca.pem`,
      "--cert",
      `${certs}/client.pem`,
      "--key",
      `${certs}/client.key`,
    ];
    const run = (task: string, args: string[]) =>
      runTask(task, ["--url", url, "--queue", queue, ...args], { withoutEnv: ["AMQP_URL"] });

    await t.step(
      "receive and send connect over amqps with --ca, --cert and --key: the broker sees the client certificate",
      async () => {
        await using receiver = await startReady(
          "receive",
          ["--url", url, "--queue", queue, ...tls],
          WAITING,
          { env: {}, withoutEnv: ["AMQP_URL"] },
        );
        const sent = await run("send", [...tls, "over TLS"]);
        assertExit(sent, 0, "deno task send");
        assert.deepEqual(sent.stdout, [" [x] Sent 'over TLS'"]);
        await receiver.waitFor(" [x] Received 'over TLS'");
        await eventually(
          "the management API lists the receiver's TLS connection",
          async () => {
            const connections = await managementRequest(
              `amqp://guest:guest@127.0.0.1:${variables.BROKER_AMQP_PORT}`,
              "/api/connections",
              { base: `http://127.0.0.1:${variables.BROKER_MANAGEMENT_PORT}` },
            ) as { ssl: boolean; peer_cert_subject?: string }[];
            return connections.some((c) => c.ssl && c.peer_cert_subject === "CN=tls-learner");
          },
          15_000,
        );
      },
    );
    await t.step(
      "a CA that did not sign the broker's certificate gets the certificate sentence",
      async () => {
        const refused = await run("send", ["--ca", `${certs}/other-ca.pem`]);
        assertExit(refused, 1, "deno task send --ca other-ca.pem");
        assert.equal(refused.stderr.length, 1, refused.stderr.join("\n"));
        assert.match(
          refused.stderr[0],
          /^Cannot connect to "amqps:\/\/guest:\*\*\*@localhost:\d+": the broker's TLS certificate is not trusted \(.+\); pass the CA certificate that signed it with --ca/,
        );
      },
    );
  },
});
