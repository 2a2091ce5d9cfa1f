/**
 * TLS: a throwaway CA, server and client certificates made with openssl, and
 * a second local RabbitMQ node that listens for AMQP over TLS only. The node
 * comes from the same install as the test broker: `$RABBITMQ_SERVER` and
 * `$RABBITMQCTL` when set (`tools/rabbitmq4 env` points them into its
 * RabbitMQ 4.x chroot, and `$RABBITMQ_TMPDIR` to a directory that chroot sees
 * under the same path), else `rabbitmq-server` and `rabbitmqctl` from `PATH`.
 */
import assert from "node:assert/strict";
import { rabbitmqCommand } from "../tools/lib/broker.ts";
import { run, succeeds } from "../tools/lib/command.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import { makeCertificates } from "./_certs.ts";
import {
  assertExit,
  atExit,
  eventually,
  freePort,
  runTask,
  startReady,
  stopped,
  test,
  testName,
  uniqueName,
} from "./_helpers.ts";

const SERVER = rabbitmqCommand("rabbitmq-server");
const CTL = rabbitmqCommand("rabbitmqctl");

const CLIENT_USER = "tls-learner";

/** Starts a RabbitMQ node with only a TLS listener: its port; it stops at scope exit. */
async function startTlsNode(dir: string): Promise<{ port: number } & AsyncDisposable> {
  const port = freePort();
  const node = `tls-test-${port}@localhost`;
  await Deno.writeTextFile(
    `${dir}/rabbitmq.conf`,
    [
      "listeners.tcp = none",
      `listeners.ssl.default = ${port}`,
      `ssl_options.cacertfile = ${dir}/ca.pem`,
      `ssl_options.certfile = ${dir}/server.pem`,
      `ssl_options.keyfile = ${dir}/server.key`,
      "ssl_options.verify = verify_peer",
      "ssl_options.fail_if_no_peer_cert = false",
      "auth_mechanisms.1 = PLAIN",
      "auth_mechanisms.2 = AMQPLAIN",
      "auth_mechanisms.3 = EXTERNAL",
      "ssl_cert_login_from = common_name",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${dir}/enabled_plugins`, "[rabbitmq_auth_mechanism_ssl].\n");
  await run("chown", ["-R", "rabbitmq:rabbitmq", dir]);
  await run(SERVER, ["-detached"], {
    env: {
      RABBITMQ_NODENAME: node,
      RABBITMQ_DIST_PORT: String(freePort()),
      RABBITMQ_CONFIG_FILE: `${dir}/rabbitmq.conf`,
      RABBITMQ_ENABLED_PLUGINS_FILE: `${dir}/enabled_plugins`,
      RABBITMQ_MNESIA_BASE: `${dir}/mnesia`,
      RABBITMQ_LOG_BASE: `${dir}/log`,
      RABBITMQ_PID_FILE: `${dir}/pid`,
    },
  });
  const ctl = (...args: string[]) => run(CTL, ["-q", "-n", node, ...args]);
  try {
    // -detached returns before the node is registered; await_startup fails until it is.
    await eventually(
      `the TLS test node has started (see ${dir}/log)`,
      () => ctl("await_startup", "--timeout", "60").then(() => true, () => false),
      60_000,
    );
    // The client certificate's common name is a user without a password: EXTERNAL only.
    await ctl("add_user", CLIENT_USER, crypto.randomUUID());
    await ctl("clear_password", CLIENT_USER);
    await ctl("set_permissions", CLIENT_USER, ".*", ".*", ".*");
  } catch (error) {
    // Not left running when the test fails here: a node rabbitmqctl cannot reach (one that never
    // finished starting, or another install's) is stopped by the process id it wrote.
    await ctl("stop").catch(async () => {
      const pid = Number(await Deno.readTextFile(`${dir}/pid`).catch(() => ""));
      if (!pid) return;
      Deno.kill(pid, "SIGTERM");
      const gone = () => Deno.stat(`/proc/${pid}`).then(() => false, () => true);
      await eventually(`the TLS test node (process ${pid}) has stopped`, gone, 30_000);
    });
    throw error;
  }
  return Object.assign(atExit(() => ctl("stop")), { port });
}

const missing = [];
if (Deno.uid() !== 0) missing.push("root (to start a second rabbitmq-server node)");
for (const command of ["openssl", SERVER, CTL]) {
  if (!(await succeeds("which", [command]))) missing.push(command);
}
const skip = missing.length ? `it needs ${missing.join(", ")}` : undefined;

test({
  name: testName(
    "TLS: programs connect over amqps:// with a password or a client certificate, and refuse an untrusted broker",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    // Not testDir: the folder must be where a chroot's node sees it too (RABBITMQ_TMPDIR).
    const dir = await Deno.makeTempDir({
      prefix: "tls-test-",
      dir: Deno.env.get("RABBITMQ_TMPDIR") || undefined,
    });
    await using _dir = atExit(() => Deno.remove(dir, { recursive: true }));
    await makeCertificates(dir, CLIENT_USER);
    await using broker = await startTlsNode(dir);
    const tls = `amqps://localhost:${broker.port}`;
    const noAmqpUrl = { withoutEnv: ["AMQP_URL"] };
    const roundTrip = async (url: string, tlsArgs: string[], env: Record<string, string> = {}) => {
      // On the TLS node, which goes with its folder at the end.
      const args = ["--url", url, "--queue", uniqueName("hello"), ...tlsArgs];
      await using receiver = await startReady("receive", args, WAITING, { env, ...noAmqpUrl });
      const sent = await runTask("send", [...args, "over TLS"], { env, ...noAmqpUrl });
      assertExit(sent, 0);
      await receiver.waitFor("[x] Received 'over TLS'");
      assertExit(await stopped(receiver), 0);
    };
    await t.step("send and receive with a password, trusting the test CA (--ca)", async () => {
      await roundTrip(`amqps://guest:guest@localhost:${broker.port}`, ["--ca", `${dir}/ca.pem`]);
    });

    await t.step(
      "send and receive with EXTERNAL: the certificate's CN is the user (AMQP_CA, AMQP_CERT, AMQP_KEY)",
      async () => {
        await roundTrip(`${tls}?auth_mechanism=external`, [], {
          AMQP_CA: `${dir}/ca.pem`,
          AMQP_CERT: `${dir}/client.pem`,
          AMQP_KEY: `${dir}/client.key`,
        });
      },
    );

    await t.step(
      "a CA that did not sign the broker's certificate gives the certificate sentence",
      async () => {
        const args = ["--url", `amqps://guest:guest@localhost:${broker.port}`];
        const result = await runTask("send", [...args, "--ca", `${dir}/other-ca.pem`], noAmqpUrl);
        assertExit(result, 1);
        assert.equal(result.stderr.length, 1);
        assert.match(
          result.stderr[0],
          /^Cannot connect to "amqps:\/\/guest:\*\*\*@localhost:\d+": the broker's TLS certificate is not trusted \(.+\); pass the CA certificate that signed it with --ca/,
        );
      },
    );

    await t.step(
      "EXTERNAL without a client certificate is refused with the certificate-login sentence",
      async () => {
        const args = ["--url", `${tls}?auth_mechanism=external`, "--ca", `${dir}/ca.pem`];
        const result = await runTask("send", args, noAmqpUrl);
        assertExit(result, 1);
        assert.match(
          result.stderr[0],
          /refused the EXTERNAL \(certificate\) login: pass a client certificate with --cert and --key/,
        );
      },
    );

    await t.step("a certificate path that does not exist is one sentence", async () => {
      const args = ["--url", tls, "--ca", `${dir}/missing.pem`];
      const result = await runTask("send", args, noAmqpUrl);
      assertExit(result, 1);
      assert.deepEqual(result.stderr, [
        `Cannot read the CA certificate file "${dir}/missing.pem" (--ca): no such file`,
      ]);
    });
  },
});
