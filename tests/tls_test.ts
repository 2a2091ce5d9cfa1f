/**
 * TLS: a throwaway CA, server and client certificates made with openssl, and
 * a second local RabbitMQ node that listens for AMQP over TLS only. The node
 * comes from the same install as the test broker: `$RABBITMQ_SERVER` and
 * `$RABBITMQCTL` when set (`.ci/rabbitmq4 env` points them into its RabbitMQ
 * 4.x chroot, and `$RABBITMQ_TMPDIR` to a directory that chroot sees under the
 * same path), else `rabbitmq-server` and `rabbitmqctl` from `PATH`.
 */
import assert from "node:assert/strict";
import { rabbitmqCommand } from "../tools/lib/broker.ts";
import { run, succeeds } from "../tools/lib/command.ts";
import {
  eventually,
  freePort,
  Program,
  runTask,
  testName,
  uniqueName,
  WAITING,
} from "./_helpers.ts";

const SERVER = rabbitmqCommand("rabbitmq-server");
const CTL = rabbitmqCommand("rabbitmqctl");

const CLIENT_USER = "tls-learner";

/** Makes a CA, a server certificate for localhost, a client certificate for CLIENT_USER, and an unrelated CA. */
async function makeCertificates(dir: string) {
  const req = (key: string, subject: string, out: string[]) =>
    run("openssl", [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${dir}/${key}`,
      ...out,
      "-subj",
      subject,
    ]);
  const sign = async (csr: string, pem: string, extensions: string) => {
    await Deno.writeTextFile(`${dir}/${pem}.ext`, extensions);
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      `${dir}/${csr}`,
      "-CA",
      `${dir}/ca.pem`,
      "-CAkey",
      `${dir}/ca.key`,
      "-CAcreateserial",
      "-out",
      `${dir}/${pem}`,
      "-days",
      "2",
      "-extfile",
      `${dir}/${pem}.ext`,
    ]);
  };
  await req("ca.key", "/CN=Tutorials test CA", ["-x509", "-days", "2", "-out", `${dir}/ca.pem`]);
  await req("other-ca.key", "/CN=Some other CA", [
    "-x509",
    "-days",
    "2",
    "-out",
    `${dir}/other-ca.pem`,
  ]);
  await req("server.key", "/CN=localhost", ["-out", `${dir}/server.csr`]);
  await sign(
    "server.csr",
    "server.pem",
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  await req("client.key", `/CN=${CLIENT_USER}`, ["-out", `${dir}/client.csr`]);
  await sign("client.csr", "client.pem", "extendedKeyUsage=clientAuth\n");
}

/** Starts a RabbitMQ node with only a TLS listener; returns its port and a function to stop it. */
async function startTlsNode(dir: string) {
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
  // -detached returns before the node is registered; await_startup fails until it is.
  await eventually(
    `the TLS test node has started (see ${dir}/log)`,
    () => ctl("await_startup", "--timeout", "60").then(() => true, () => false),
    60_000,
  );
  // The client certificate's common name is a user with no password: it logs in with EXTERNAL only.
  await ctl("add_user", CLIENT_USER, crypto.randomUUID());
  await ctl("clear_password", CLIENT_USER);
  await ctl("set_permissions", CLIENT_USER, ".*", ".*", ".*");
  return { port, stop: () => ctl("stop") };
}

const missing = [];
if (Deno.uid() !== 0) missing.push("root (to start a second rabbitmq-server node)");
for (const command of ["openssl", SERVER, CTL]) {
  if (!(await succeeds("which", [command]))) missing.push(command);
}
const skip = missing.length ? `it needs ${missing.join(", ")}` : undefined;

Deno.test({
  name: testName(
    "TLS: programs connect over amqps:// with a password or a client certificate, and refuse an untrusted broker",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({
      prefix: "tls-test-",
      dir: Deno.env.get("RABBITMQ_TMPDIR") || undefined,
    });
    await makeCertificates(dir);
    const broker = await startTlsNode(dir);
    const tls = `amqps://localhost:${broker.port}`;
    const roundTrip = async (url: string, tlsArgs: string[], env: Record<string, string> = {}) => {
      const queue = uniqueName("hello");
      const args = ["--url", url, "--queue", queue, ...tlsArgs];
      const receiver = await Program.start("receive", args, { env, withoutEnv: ["AMQP_URL"] });
      try {
        await receiver.waitFor(WAITING);
        const sent = await runTask("send", [...args, "over TLS"], {
          env,
          withoutEnv: ["AMQP_URL"],
        });
        assert.equal(sent.code, 0, sent.stderr.join("\n"));
        await receiver.waitFor("[x] Received 'over TLS'");
      } finally {
        assert.equal(await receiver.stop(), 0);
      }
    };
    try {
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
          const result = await runTask("send", [
            "--url",
            `amqps://guest:guest@localhost:${broker.port}`,
            "--ca",
            `${dir}/other-ca.pem`,
          ], { withoutEnv: ["AMQP_URL"] });
          assert.equal(result.code, 1);
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
          const result = await runTask("send", [
            "--url",
            `${tls}?auth_mechanism=external`,
            "--ca",
            `${dir}/ca.pem`,
          ], { withoutEnv: ["AMQP_URL"] });
          assert.equal(result.code, 1);
          assert.match(
            result.stderr[0],
            /refused the EXTERNAL \(certificate\) login: pass a client certificate with --cert and --key/,
          );
        },
      );

      await t.step("a certificate path that does not exist is one sentence", async () => {
        const result = await runTask("send", ["--url", tls, "--ca", `${dir}/missing.pem`], {
          withoutEnv: ["AMQP_URL"],
        });
        assert.equal(result.code, 1);
        assert.deepEqual(result.stderr, [
          `Cannot read the CA certificate file "${dir}/missing.pem" (--ca): no such file`,
        ]);
      });
    } finally {
      await broker.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
