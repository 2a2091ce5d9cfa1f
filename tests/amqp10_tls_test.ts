/**
 * TLS for the AMQP 1.0 programs: the same URL parameters and flags as the
 * AMQP 0-9-1 ones (amqps://, --ca or AMQP_CA). A TLS terminator of the
 * test's own (Deno.listenTls, with a throwaway CA and a certificate for
 * localhost made with openssl) sits in front of the broker's plain port, so
 * the programs speak AMQP 1.0 over TLS to a real broker. RabbitMQ 4.x only.
 */
import assert from "node:assert/strict";
import { urlParts } from "../lib/url.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  runTask,
  startReady,
  testDir,
  testQueue,
} from "./_helpers.ts";
import { closeAll } from "./peers/amqp10/frame_proxy.ts";
import { amqp10Test, NO_AMQP10 } from "./peers/amqp10/support.ts";

async function openssl(args: string[]) {
  const result = await new Deno.Command("openssl", { args, stdin: "null" }).output();
  if (!result.success) throw new Error(new TextDecoder().decode(result.stderr));
}

/** A CA, a certificate for localhost that it signs, and an unrelated CA. */
async function certificates(dir: string) {
  for (const ca of ["ca", "other-ca"]) {
    await openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=AMQP 1.0 test ${ca}`,
      "-keyout",
      `${dir}/${ca}.key`,
      "-out",
      `${dir}/${ca}.pem`,
    ]);
  }
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    `${dir}/server.key`,
    "-out",
    `${dir}/server.csr`,
  ]);
  await Deno.writeTextFile(`${dir}/server.ext`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/server.csr`,
    "-CA",
    `${dir}/ca.pem`,
    "-CAkey",
    `${dir}/ca.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${dir}/server.ext`,
    "-out",
    `${dir}/server.pem`,
  ]);
}

/** Accepts TLS on a free port and forwards the plain bytes to the broker. */
async function tlsTerminator(dir: string) {
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(`${dir}/server.pem`),
    key: await Deno.readTextFile(`${dir}/server.key`),
  });
  const { host, port } = urlParts(BROKER_URL);
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const client of listener) {
      Deno.connect({ hostname: host, port }).then((broker) => {
        conns.add(client).add(broker);
        client.readable.pipeTo(broker.writable).catch(() => {});
        broker.readable.pipeTo(client.writable).catch(() => {});
      }, () => client.close());
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      closeAll(conns);
    },
  };
}

const hasOpenssl = (await new Deno.Command("which", { args: ["openssl"] }).output()).success;
const skip = NO_AMQP10 ?? (hasOpenssl ? undefined : "it needs openssl");

amqp10Test(
  "TLS over AMQP 1.0: amqps:// with --ca (or AMQP_CA) sends and receives; a CA that did not sign the certificate is one sentence",
  async () => {
    await using dir = await testDir("amqp10-tls-");
    await certificates(dir.path);
    const terminator = await tlsTerminator(dir.path);
    await using _terminator = atExit(() => Promise.resolve(terminator.close()));
    const broker = new URL(BROKER_URL);
    const login = `${broker.username || "guest"}:${broker.password || "guest"}`;
    const url = `amqps://${login}@localhost:${terminator.port}${broker.pathname}`;
    await using queue = testQueue("hello");
    const args = ["--url", url, "--queue", queue.name];
    await using receiver = await startReady("amqp10:receive", args, WAITING, {
      env: { AMQP_CA: `${dir.path}/ca.pem` },
      withoutEnv: ["AMQP_URL"],
    });
    const sent = await runTask("amqp10:send", [...args, "--ca", `${dir.path}/ca.pem`, "over TLS"], {
      withoutEnv: ["AMQP_URL"],
    });
    assertExit(sent, 0);
    await receiver.waitFor("[x] Received 'over TLS'");

    const untrusted = await runTask("amqp10:send", [...args, "--ca", `${dir.path}/other-ca.pem`], {
      withoutEnv: ["AMQP_URL"],
    });
    assertExit(untrusted, 1);
    assert.equal(untrusted.stderr.length, 1, untrusted.stderr.join("\n"));
    assert.match(
      untrusted.stderr[0],
      /^Cannot connect to "amqps:\/\/[^:]+:\*\*\*@localhost:\d+(\/[^"]*)?": the broker's TLS certificate is not trusted \(.+\); pass the CA certificate that signed it with --ca/,
    );
  },
  skip,
);
