/**
 * lib/amqp10 without a broker: the URL as rhea's connection options, the
 * v2 addresses, the error sentences, the reconnection delays, and which
 * brokers have Direct Reply-To for AMQP 1.0.
 */
import assert from "node:assert/strict";
import type { Connection } from "rhea";
import { ProgramError } from "../../lib/program_error.ts";
import { connectionOptions } from "../../lib/amqp10/connection.ts";
import {
  connectionForced,
  describeCondition,
  expectAccepted,
  loginRefused,
  managementRefused,
  needsRabbitmq4,
  vhostRefused,
} from "../../lib/amqp10/errors.ts";
import { exchangeAddress, generatedQueueName, queueAddress } from "../../lib/amqp10/management.ts";
import { backoffMs } from "../../lib/reconnect.ts";
import { hasDirectReplyTo } from "../../lib/amqp10/replies.ts";

/** rhea's options as a plain record, to read any of them. */
const options = (url: string, name: string) =>
  connectionOptions(url, name) as unknown as Record<string, unknown>;

Deno.test("connectionOptions: host, port, SASL PLAIN user and password, and the vhost RabbitMQ reads from open", () => {
  const opened = options("amqp://bob:s%40cret@example.com:5673/%2Fshop", "send");
  assert.equal(opened.host, "example.com");
  assert.equal(opened.port, 5673);
  assert.equal(opened.username, "bob");
  assert.equal(opened.password, "s@cret");
  assert.equal(opened.hostname, "vhost:/shop");
  assert.equal(opened.reconnect, false);
  assert.match(String(opened.container_id), /^send-[0-9a-f]{8}$/);
  const local = options("amqp://localhost", "send");
  assert.deepEqual([local.port, local.username, local.password, local.hostname], [
    5672,
    "guest",
    "guest",
    "vhost:/",
  ]);
});

Deno.test("connectionOptions: amqps is TLS on 5671; auth_mechanism=external logs in with the certificate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ca.pem`, "not really a certificate");
    const tls = options(`amqps://u:p@broker.example?cacertfile=${dir}/ca.pem`, "x");
    assert.equal(tls.transport, "tls");
    assert.equal(tls.port, 5671);
    assert.equal(tls.servername, "broker.example");
    assert.equal(String(tls.ca), "not really a certificate");
    const external = options("amqps://broker.example?auth_mechanism=external", "x");
    assert.equal(external.enable_sasl_external, true);
    assert.equal(external.username, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(
    () => connectionOptions("amqp://localhost?cacertfile=/no/such/ca.pem", "x"),
    (error: Error) =>
      error instanceof ProgramError &&
      error.message ===
        'Cannot read the CA certificate file "/no/such/ca.pem" (--ca): no such file',
  );
});

Deno.test("v2 addresses: percent-encoded queue, exchange and routing key; generated queue names", () => {
  assert.equal(queueAddress("hello"), "/queues/hello");
  assert.equal(queueAddress("a/b c"), "/queues/a%2Fb%20c");
  assert.equal(exchangeAddress("logs"), "/exchanges/logs");
  assert.equal(exchangeAddress("direct_logs", "error"), "/exchanges/direct_logs/error");
  assert.equal(exchangeAddress("topic_logs", "app/x.#"), "/exchanges/topic_logs/app%2Fx.%23");
  assert.equal(exchangeAddress("x", ""), "/exchanges/x/");
  assert.match(generatedQueueName(), /^client\.gen-[0-9a-f-]{36}$/);
});

const SHOP = "amqp://bob:secret@broker.example/shop";

Deno.test("describeCondition: the queue or exchange of the link's address, and the fix; never the password", () => {
  const place = (address?: string) => ({ url: SHOP, address });
  assert.equal(
    describeCondition({ condition: "amqp:not-found" }, place("/queues/jobs")),
    'The queue "jobs" does not exist in vhost "shop" at "amqp://bob:***@broker.example/shop"; start the program that declares it first, or check the name',
  );
  assert.match(
    describeCondition({ condition: "amqp:not-found" }, place("/exchanges/logs/info")),
    /^The exchange "logs" does not exist/,
  );
  assert.equal(
    describeCondition({ condition: "amqp:resource-deleted" }, place("/queues/hello")),
    'The queue "hello" was deleted, so the broker stopped this consumer; start the program again',
  );
  assert.match(
    describeCondition({ condition: "amqp:resource-locked" }, place("/queues/q")),
    /^The queue "q" is exclusive to another connection/,
  );
  assert.equal(
    describeCondition(
      {
        condition: "amqp:unauthorized-access",
        description: "write access to exchange 'x' refused",
      },
      place("/exchanges/x"),
    ),
    `The broker at "amqp://bob:***@broker.example/shop" refused access for user "bob": write access to exchange 'x' refused`,
  );
  const forced = {
    condition: "amqp:internal-error",
    description: `Connection forced: "broker forced connection closure with reason 'shutdown'"`,
  };
  assert.ok(connectionForced(forced));
  assert.ok(connectionForced({ condition: "amqp:connection:forced" }));
  assert.ok(!connectionForced({ condition: "amqp:internal-error", description: "boom" }));
  assert.match(describeCondition(forced, place()), /closed the connection: Connection forced/);
  assert.equal(
    describeCondition({ condition: "amqp:internal-error", description: "boom" }, place()),
    'Error talking to "amqp://bob:***@broker.example/shop": amqp:internal-error: boom',
  );
});

Deno.test("the handshake's sentences: login, vhost, a broker without AMQP 1.0 v2 addresses", () => {
  assert.equal(
    loginRefused(SHOP),
    'The broker at "amqp://bob:***@broker.example/shop" refused the login of user "bob": wrong user name or password',
  );
  assert.match(
    loginRefused("amqp://guest:x@broker.example"),
    /"guest" user can only log in from localhost/,
  );
  assert.doesNotMatch(loginRefused("amqp://guest:x@localhost"), /only log in from localhost/);
  assert.match(
    vhostRefused(SHOP),
    /refused access to vhost "shop": it does not exist or user "bob"/,
  );
  assert.equal(
    needsRabbitmq4("amqp://localhost", "3.10.8", "worker"),
    'The broker at "amqp://localhost" is RabbitMQ 3.10.8, which has no AMQP 1.0 with v2 addresses (RabbitMQ 4.0 and later have it, always on); upgrade it, or run the AMQP 0-9-1 program instead: deno task worker',
  );
  assert.match(
    needsRabbitmq4("amqp://localhost", undefined, "send"),
    /is not RabbitMQ 4 \(it names no version\), which has no AMQP 1\.0/,
  );
});

Deno.test("managementRefused: a declaration with other arguments, a locked queue, a missing queue", () => {
  const clash = managementRefused(
    SHOP,
    "PUT",
    "/queues/hello",
    "409",
    "inequivalent arg 'x-queue-type' for queue 'hello' in vhost 'shop': received 'quorum' but current is 'classic'",
  );
  assert.equal(
    clash.message,
    'The queue "hello" already exists with x-queue-type "classic", but this program declares it with x-queue-type "quorum"; delete the queue with "rabbitmqctl delete_queue -p shop hello" and run again, or use another name',
  );
  assert.match(
    managementRefused(
      SHOP,
      "PUT",
      "/exchanges/amq.direct",
      "409",
      "inequivalent arg 'type' for exchange 'amq.direct' in vhost 'shop': received 'fanout' but current is 'direct'",
    ).message,
    /it is one of the broker's own, so use another name$/,
  );
  assert.match(
    managementRefused(
      SHOP,
      "PUT",
      "/queues/q",
      "400",
      "cannot obtain exclusive access to locked queue 'q' in vhost 'shop'. It could be ...",
    ).message,
    /^The queue "q" is exclusive to another connection/,
  );
  assert.match(
    managementRefused(SHOP, "POST", "/bindings", "400", "no queue 'gone' in vhost 'shop'").message,
    /^The queue "gone" does not exist in vhost "shop"/,
  );
  assert.equal(
    managementRefused(SHOP, "GET", "/queues/x", "403", "access refused").message,
    'The broker at "amqp://bob:***@broker.example/shop" answered 403 to GET /queues/x: access refused',
  );
});

Deno.test("expectAccepted: silent for accepted; rejected and released are sentences", () => {
  expectAccepted("accepted", "/queues/hello");
  assert.throws(
    () => expectAccepted("rejected", "/queues/hello"),
    /^ProgramError: The message sent to the queue "hello" was not taken: the broker rejected it/,
  );
  assert.throws(
    () => expectAccepted("released", "/exchanges/logs"),
    /sent to the exchange "logs" was not taken: the broker released it: no queue got it/,
  );
});

Deno.test("backoffMs: straight to the next broker, then doubling up to 15 s, with jitter", () => {
  assert.equal(backoffMs(1), 0);
  assert.equal(backoffMs(2, 0.5), 250);
  assert.equal(backoffMs(3, 0.5), 500);
  assert.equal(backoffMs(20, 0.5), 15_000);
  assert.ok(backoffMs(20, 1) <= 18_000 && backoffMs(20, 0) >= 12_000);
});

Deno.test("hasDirectReplyTo: RabbitMQ 4.2 and later", () => {
  const at = (version: string) => ({ properties: { version } }) as unknown as Connection;
  assert.deepEqual(
    ["4.0.9", "4.1.4", "4.2.0", "4.3.6", "5.0.0"].map((v) => hasDirectReplyTo(at(v))),
    [
      false,
      false,
      true,
      true,
      true,
    ],
  );
});
