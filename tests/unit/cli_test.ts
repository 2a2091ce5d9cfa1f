/**
 * Unit tests of lib/cli.ts, lib/url.ts, lib/tls.ts and lib/routing.ts,
 * without a broker: parsing, validation, URLs and their masking.
 */
import assert from "node:assert/strict";
import { DEFAULT_URL, parseCli, wholeNumber } from "../../lib/cli.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { managementUrl } from "../../lib/management.ts";
import { checkRoutingKey, MAX_KEY_BYTES } from "../../lib/routing.ts";
import { tlsSocketOptions, withTlsFiles } from "../../lib/tls.ts";
import { isLocalhost, maskUrl, urlParts } from "../../lib/url.ts";

const SPEC = {
  summary: "Send a message",
  args: "[message...]",
  options: { queue: "hello", mandatory: { type: "boolean" as const, description: "return" } },
};
const noEnv = () => undefined;
const env = (vars: Record<string, string>) => (name: string) => vars[name];

/** The ProgramError that `fn` throws. */
function thrown(fn: () => unknown): ProgramError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProgramError, `a ProgramError, got ${error}`);
    return error;
  }
  assert.fail("nothing thrown");
}

Deno.test("parseCli: defaults, flags and positional arguments", () => {
  const cli = parseCli("send", SPEC, ["Hello", "there"], noEnv);
  assert.deepEqual(cli.brokers, { urls: [DEFAULT_URL], reconnect: true, current: DEFAULT_URL });
  assert.equal(cli.url, DEFAULT_URL);
  assert.equal(cli.values.queue, "hello");
  assert.equal(cli.values.mandatory, false);
  assert.deepEqual(cli.positionals, ["Hello", "there"]);
  const given = parseCli("send", SPEC, ["--queue", "jobs", "--mandatory"], noEnv);
  assert.equal(given.values.queue, "jobs");
  assert.equal(given.values.mandatory, true);
});

Deno.test("parseCli: brokers from --url (repeated or comma-separated), else AMQP_URL, else localhost", () => {
  const flags = ["--url", "amqp://a:5681", "--url", "amqp://b:5682,amqp://c:5683"];
  assert.deepEqual(parseCli("send", SPEC, flags, noEnv).brokers.urls, [
    "amqp://a:5681",
    "amqp://b:5682",
    "amqp://c:5683",
  ]);
  const fromEnv = env({ AMQP_URL: "amqp://x, amqp://y" });
  assert.deepEqual(parseCli("send", SPEC, [], fromEnv).brokers.urls, ["amqp://x", "amqp://y"]);
  assert.deepEqual(parseCli("send", SPEC, ["--url", "amqp://z"], fromEnv).brokers.urls, [
    "amqp://z",
  ]);
});

Deno.test("parseCli: the TLS flags, else AMQP_CA/CERT/KEY, become every URL's parameters", () => {
  const cli = parseCli("send", SPEC, ["--url", "amqps://a,amqps://b", "--ca", "ca.pem"], noEnv);
  assert.deepEqual(cli.brokers.urls, [
    "amqps://a?cacertfile=ca.pem",
    "amqps://b?cacertfile=ca.pem",
  ]);
  const fromEnv = parseCli("send", SPEC, ["--url", "amqps://a"], env({ AMQP_CERT: "c.pem" }));
  assert.equal(fromEnv.url, "amqps://a?certfile=c.pem");
});

Deno.test("parseCli: a program that talks to no broker (noBroker) has no --url or TLS flags", () => {
  const spec = { ...SPEC, noBroker: true };
  const cli = parseCli("read", spec, ["--queue", "jobs"], env({ AMQP_URL: "amqp://x" }));
  assert.deepEqual(cli.brokers.urls, []);
  assert.equal(cli.values.queue, "jobs");
  assert.equal(cli.values.mandatory, false);
  const help = parseCli("read", spec, ["--help"], noEnv).help ?? "";
  assert.doesNotMatch(help, /--url|--ca|--cert|--key/);
  assert.match(help, /--queue QUEUE/);
  for (const flag of ["--url", "--ca", "--cert", "--key"]) {
    assert.match(
      thrown(() => parseCli("read", spec, [flag, "x"], noEnv)).message,
      /^Unknown option/,
    );
  }
});

Deno.test("parseCli: misuse is a usage error with the usage line", () => {
  const usage = "Usage: deno task send [options] [message...] (--help for more)";
  const cases: [string[], string][] = [
    [["--bogus"], `Unknown option "--bogus". ${usage}`],
    [["--queue"], `Option "--queue" needs a value. ${usage}`],
    [["--mandatory=yes"], `Option "--mandatory" takes no value. ${usage}`],
    [
      ["--queue", " "],
      `Empty value for --queue: give one, or leave the option out for "hello". ${usage}`,
    ],
    [["--url", ""], `Empty value for --url: give one. ${usage}`],
    [
      ["--url", "localhost:5672"],
      `Invalid broker URL "localhost:5672": expected amqp://user:password@host:port/vhost. ${usage}`,
    ],
    [
      ["--url", "http://guest:secret@localhost"],
      `Invalid broker URL "http://guest:***@localhost": expected amqp://user:password@host:port/vhost. ${usage}`,
    ],
  ];
  for (const [args, message] of cases) {
    const error = thrown(() => parseCli("send", SPEC, args, noEnv));
    assert.equal(error.message, message, args.join(" "));
    assert.equal(error.exitCode, 2);
  }
});

Deno.test("parseCli: too few and too many positional arguments", () => {
  const none = { summary: "Receive" };
  const extra = thrown(() => parseCli("receive", none, ["x"], noEnv));
  assert.match(
    extra.message,
    /^Too many arguments: expected none, got "x"\. Usage: deno task receive \[options\]/,
  );
  const topics = { summary: "Topics", args: "[binding_key]...", minArgs: 1, missingArgsCode: 1 };
  const missing = thrown(() => parseCli("receive_logs_topic", topics, [], noEnv));
  assert.match(missing.message, /^Missing arguments: expected \[binding_key\]\.\.\. Usage:/);
  assert.equal(missing.exitCode, 1, "as the official receive_logs_topic exits");
  const one = { summary: "RPC", args: "[n]", maxArgs: 1 };
  assert.match(thrown(() => parseCli("rpc_client", one, ["1", "2"], noEnv)).message, /got "1 2"/);
});

Deno.test("parseCli: --help returns the help, with the shared flags and the defaults", () => {
  const { help } = parseCli(
    "send",
    { ...SPEC, consumer: true },
    ["--help"],
    noEnv,
  );
  assert.ok(help);
  const lines = help.split("\n");
  assert.equal(lines[0], "Send a message");
  assert.ok(lines.includes("Usage: deno task send [options] [message...]"));
  assert.ok(lines.some((line) => /--queue QUEUE +queue name \(default: hello\)/.test(line)));
  assert.ok(lines.some((line) => /--url URL/.test(line)));
  assert.ok(lines.some((line) => /--no-reconnect/.test(line)));
  assert.ok(lines.some((line) => /-h, --help/.test(line)));
});

Deno.test("wholeNumber: digits only, at least the minimum", () => {
  assert.equal(wholeNumber("count", "50000", 1), 50000);
  assert.equal(wholeNumber("count", " 7 "), 7);
  for (const bad of ["many", "-1", "1.5", "1e3", "", "99999999999999999999"]) {
    const error = thrown(() => wholeNumber("count", bad, 1));
    assert.match(
      error.message,
      /^Invalid value for --count: ".*" is not a whole number of at least 1$/,
    );
    assert.equal(error.exitCode, 2);
  }
  assert.match(
    thrown(() => wholeNumber("runs", "0", 1)).message,
    /"0" is not a whole number of at least 1/,
  );
});

Deno.test("checkRoutingKey: at most 255 bytes of UTF-8", () => {
  assert.equal(checkRoutingKey("kern.critical"), "kern.critical");
  assert.equal(checkRoutingKey("k".repeat(MAX_KEY_BYTES)), "k".repeat(255));
  const error = thrown(() => checkRoutingKey("k".repeat(256), "binding key"));
  assert.match(
    error.message,
    /^The binding key "k{40}…" is 256 bytes long, but AMQP allows at most 255 bytes; use a shorter one$/,
  );
  assert.equal(error.exitCode, 2);
  // 128 two-byte characters: 128 characters, 256 bytes.
  assert.match(thrown(() => checkRoutingKey("é".repeat(128))).message, /is 256 bytes long/);
});

Deno.test("urlParts and maskUrl: what messages name, never the password", () => {
  assert.deepEqual(urlParts("amqp://bob:secret@example.com/%2Fshop"), {
    host: "example.com",
    port: 5672,
    user: "bob",
    vhost: "/shop",
  });
  assert.deepEqual(urlParts("amqps://[::1]"), {
    host: "::1",
    port: 5671,
    user: "guest",
    vhost: "/",
  });
  assert.equal(maskUrl("amqp://bob:secret@localhost"), "amqp://bob:***@localhost");
  assert.equal(maskUrl("amqp://localhost:5673/"), "amqp://localhost:5673");
  assert.equal(maskUrl("amqps://h?cacertfile=/ca.pem&heartbeat=5"), "amqps://h?heartbeat=5");
  assert.equal(maskUrl("amqp://bob:secret@[bad"), "amqp://bob:***@[bad");
  assert.ok(isLocalhost("amqp://127.0.0.1"));
  assert.ok(!isLocalhost("amqp://rabbit.example.com"));
});

Deno.test("withTlsFiles and tlsSocketOptions: flags to URL parameters to certificate files", async () => {
  assert.equal(withTlsFiles("amqps://h", {}, noEnv), "amqps://h");
  assert.equal(
    withTlsFiles("amqps://h", { ca: "ca.pem", key: "k.pem" }, noEnv),
    "amqps://h?cacertfile=ca.pem&keyfile=k.pem",
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ca.pem`, "-----BEGIN CERTIFICATE-----\n");
    const socket = tlsSocketOptions(`amqps://h?cacertfile=${dir}/ca.pem&auth_mechanism=external`);
    assert.equal(socket.ca?.toString(), "-----BEGIN CERTIFICATE-----\n");
    assert.ok(socket.credentials, "EXTERNAL login");
    const error = thrown(() => tlsSocketOptions(`amqps://h?certfile=${dir}/none.pem`));
    assert.equal(
      error.message,
      `Cannot read the client certificate file "${dir}/none.pem" (--cert): no such file`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("managementUrl: the AMQP port + 10,000 on the broker's host, or RABBITMQ_MANAGEMENT_URL for that host", () => {
  assert.equal(
    managementUrl("amqp://guest:pw@rabbit.example.com:5673/shop", undefined),
    "http://rabbit.example.com:15673",
  );
  assert.equal(managementUrl("amqp://[::1]", undefined), "http://[::1]:15672");
  assert.equal(
    managementUrl("amqps://rabbit.example.com", undefined),
    "https://rabbit.example.com:15671",
  );
  assert.equal(managementUrl("amqp://localhost:5810", undefined), "http://localhost:15810");
  const env = "http://127.0.0.1:15674/";
  assert.equal(managementUrl("amqp://127.0.0.1:5674", env), "http://127.0.0.1:15674");
  assert.equal(
    managementUrl("amqp://no-such-host.invalid", env),
    "http://no-such-host.invalid:15672",
  );
});
