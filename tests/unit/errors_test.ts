/**
 * Unit tests of lib/errors.ts, without a broker: every branch of the error
 * wording, fed errors shaped exactly as amqplib and Node's sockets produce
 * them (messages and codes captured from amqplib 2.3.1 against RabbitMQ).
 */
import assert from "node:assert/strict";
import { classifyError, describeError, namesBrokerVersion } from "../../lib/errors.ts";
import { ProgramError } from "../../lib/program_error.ts";

const URL = "amqp://guest:secret@localhost";
const SHOP = "amqp://bob:secret@rabbit.example.com/shop";

/** An Error as amqplib or the socket gives it: a message, and a code where they set one. */
function amqpError(message: string, code?: string | number): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

const FIXTURES = {
  refused: amqpError("connect ECONNREFUSED 127.0.0.1:5672", "ECONNREFUSED"),
  notFound: amqpError("getaddrinfo ENOTFOUND no-such-host.invalid", "ENOTFOUND"),
  login: amqpError(
    'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."',
  ),
  external: amqpError(
    'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism EXTERNAL. For details see the broker logfile."',
  ),
  vhost: amqpError("Expected ConnectionOpenOk; got <ConnectionClose channel:0>"),
  durable: amqpError(
    `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'task_queue' in vhost '/': received 'true' but current is 'false'"`,
    406,
  ),
  queueType: amqpError(
    `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'hello' in vhost '/': received the value 'quorum' of type 'longstr' but current is none"`,
    406,
  ),
  exchange: amqpError(
    `Operation failed: ExchangeDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'logs' in vhost '/': received 'fanout' but current is 'direct'"`,
    406,
  ),
  amqExchange: amqpError(
    `Operation failed: ExchangeDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'amq.direct' in vhost '/': received 'fanout' but current is 'direct'"`,
    406,
  ),
  locked: amqpError(
    `Operation failed: QueueDeclare; 405 (RESOURCE-LOCKED) with message "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'jobs' in vhost '/'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration."`,
    405,
  ),
  noQueue: amqpError(
    `Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - no queue 'jobs' in vhost '/'"`,
    404,
  ),
  noExchange: amqpError(
    `Operation failed: QueueBind; 404 (NOT-FOUND) with message "NOT_FOUND - no exchange 'stocks' in vhost '/'"`,
    404,
  ),
  accessRefused: amqpError(
    `Operation failed: QueueDeclare; 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to queue 'hello' in vhost 'shop' refused for user 'bob'"`,
    403,
  ),
  forced: amqpError(
    'Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - Closed via management plugin"',
  ),
  http: amqpError("Frame size 1345270062 exceeds maxFrameSize 67108864"),
  closedInHandshake: amqpError("Socket closed abruptly during opening handshake"),
  selfSigned: amqpError(
    "self-signed certificate in certificate chain",
    "SELF_SIGNED_CERT_IN_CHAIN",
  ),
  altName: amqpError(
    "Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:rabbit",
    "ERR_TLS_CERT_ALTNAME_INVALID",
  ),
  heartbeat: amqpError("Heartbeat timeout"),
  unexpectedClose: amqpError("Unexpected close"),
};

Deno.test("describeError: each socket error code names the cause and the fix", () => {
  const cases: [string, RegExp][] = [
    ["ECONNREFUSED", /: connection refused; start a broker with "deno task broker"/],
    ["ENOTFOUND", /: host not found; check the host name in the URL$/],
    ["EAI_AGAIN", /: host not found; check the host name in the URL$/],
    ["ETIMEDOUT", /: no answer in time; check the host, the port and any firewall between$/],
    ["EHOSTUNREACH", /: host unreachable; check the host name and your network$/],
    ["ENETUNREACH", /: network unreachable; check your network$/],
    ["ECONNRESET", /: the server reset the connection; is this an AMQP port/],
    ["EPIPE", /: the server closed the connection; is this an AMQP port/],
  ];
  for (const [code, expected] of cases) {
    const sentence = describeError(amqpError(`read ${code}`, code), URL);
    assert.match(sentence, /^Cannot connect to "amqp:\/\/guest:\*\*\*@localhost"/);
    assert.match(sentence, expected, code);
  }
  assert.match(
    describeError(amqpError("connect ETIMEDOUT 10.0.0.1:5672"), URL),
    /^Cannot connect to "[^"]+": no answer in time/,
  );
});

Deno.test("describeError: a server that answers in HTTP does not speak AMQP", () => {
  assert.equal(
    describeError(FIXTURES.http, URL),
    'The server at "amqp://guest:***@localhost" does not speak AMQP (it answered with something else, such as HTTP); check the host and the port: AMQP is 5672 (5671 for amqps), while 15672 is the management UI',
  );
  assert.match(
    describeError(FIXTURES.closedInHandshake, URL),
    /closed the connection during the handshake; is this an AMQP port/,
  );
});

Deno.test("describeError: TLS failures say which certificate to pass", () => {
  assert.match(
    describeError(FIXTURES.selfSigned, URL),
    /TLS certificate is not trusted \(self-signed certificate in certificate chain\); pass the CA certificate that signed it with --ca/,
  );
  assert.match(
    describeError(FIXTURES.altName, URL),
    /TLS certificate is for another host name .*; use the host name the certificate names$/,
  );
  assert.match(describeError(FIXTURES.external, URL), /refused the EXTERNAL \(certificate\) login/);
});

Deno.test("describeError: a refused login names the user, with a hint for guest only", () => {
  assert.match(
    describeError(FIXTURES.login, URL),
    /^The broker at "amqp:\/\/guest:\*\*\*@localhost" refused the login of user "guest": wrong user name or password \(the "guest" user can only log in from localhost/,
  );
  assert.equal(
    describeError(FIXTURES.login, SHOP),
    'The broker at "amqp://bob:***@rabbit.example.com/shop" refused the login of user "bob": wrong user name or password',
  );
});

Deno.test("describeError: a missing vhost gives the rabbitmqctl commands to create it", () => {
  assert.equal(
    describeError(FIXTURES.vhost, SHOP),
    `The broker at "amqp://bob:***@rabbit.example.com/shop" refused access to vhost "shop": it does not exist or user "bob" has no permissions on it (create it with "rabbitmqctl add_vhost shop" and "rabbitmqctl set_permissions -p shop bob '.*' '.*' '.*'")`,
  );
});

Deno.test("describeError: a redeclare with other arguments names both values and the fix", () => {
  assert.equal(
    describeError(FIXTURES.durable, URL),
    'The queue "task_queue" already exists with durable "false", but this program declares it with durable "true"; delete the queue with "rabbitmqctl delete_queue task_queue" and run again, or use another name',
  );
  assert.match(
    describeError(FIXTURES.queueType, URL),
    /^The queue "hello" already exists with x-queue-type "classic", but this program declares it with x-queue-type "quorum"/,
  );
  assert.match(
    describeError(FIXTURES.queueType, SHOP),
    /"rabbitmqctl delete_queue -p shop hello"/,
    "the vhost is named for rabbitmqctl",
  );
  assert.match(
    describeError(FIXTURES.exchange, URL),
    /^The exchange "logs" already exists with type "direct", but this program declares it with type "fanout"; delete the exchange with the management UI \(Exchanges tab\)/,
  );
  assert.match(
    describeError(FIXTURES.amqExchange, URL),
    /it is one of the broker's own, so use another name$/,
  );
  assert.match(
    describeError(FIXTURES.durable, URL, { redeclareFix: 'run "deno task lab:reset" first' }),
    /declares it with durable "true"; run "deno task lab:reset" first$/,
  );
});

Deno.test("describeError: locked, missing and refused objects", () => {
  assert.match(
    describeError(FIXTURES.locked, URL),
    /^The queue "jobs" is exclusive to another connection/,
  );
  assert.equal(
    describeError(FIXTURES.noQueue, URL),
    'The queue "jobs" does not exist in vhost "/" at "amqp://guest:***@localhost"; start the program that declares it first, or check the name',
  );
  assert.match(describeError(FIXTURES.noExchange, URL), /^The exchange "stocks" does not exist/);
  assert.equal(
    describeError(FIXTURES.accessRefused, SHOP),
    `The broker at "amqp://bob:***@rabbit.example.com/shop" refused access for user "bob": access to queue 'hello' in vhost 'shop' refused for user 'bob'`,
  );
});

Deno.test("describeError: RabbitMQ 4.3's refusal of transient shared queues names the setting", () => {
  const refused = amqpError(
    `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - deprecated feature transient_nonexcl_queues is not permitted"`,
  );
  assert.match(
    describeError(refused, URL),
    /refuses non-durable queues that are not exclusive \(RabbitMQ 4\.3\+\); add "deprecated_features\.permit\.transient_nonexcl_queues = true"/,
  );
  assert.ok(namesBrokerVersion(refused), "the handler asks the broker its version for this one");
  assert.ok(!namesBrokerVersion(FIXTURES.durable));
  assert.match(
    describeError(refused, URL, { brokerVersion: "4.3.6" }),
    /^The broker at "amqp:\/\/guest:\*\*\*@localhost" \(RabbitMQ 4\.3\.6\) refuses non-durable queues/,
  );
});

Deno.test("describeError: a nacked publish says it was not stored", () => {
  assert.match(
    describeError(amqpError("message nacked"), URL),
    /^The broker at "amqp:\/\/guest:\*\*\*@localhost" did not take the message \(it answered with a nack/,
  );
});

Deno.test("describeError: a closed or lost connection, and anything else, in one line", () => {
  assert.equal(
    describeError(FIXTURES.forced, URL),
    'The broker at "amqp://guest:***@localhost" closed the connection: CONNECTION_FORCED - Closed via management plugin',
  );
  assert.match(
    describeError(FIXTURES.heartbeat, URL),
    /^Lost the connection to "[^"]+": Heartbeat timeout; check that the broker is still running$/,
  );
  assert.match(
    describeError(FIXTURES.unexpectedClose, URL),
    /^Lost the connection to .*: Unexpected close/,
  );
  assert.equal(
    describeError(new Error("something odd\nat line 2"), URL),
    'Error talking to "amqp://guest:***@localhost": something odd',
  );
  assert.equal(
    describeError("a string", URL),
    'Error talking to "amqp://guest:***@localhost": a string',
  );
});

Deno.test("describeError: a ProgramError's message is the sentence, whatever the URL", () => {
  assert.equal(describeError(new ProgramError("Already said", "usage"), URL), "Already said");
});

Deno.test("describeError: a URL that cannot be parsed still gives a sentence without its password", () => {
  const sentence = describeError(FIXTURES.login, "amqp://guest:secret@[bad");
  assert.doesNotMatch(sentence, /secret/);
});

Deno.test("classifyError: what a consumer retries and what it reports", () => {
  assert.equal(classifyError(FIXTURES.refused), "transient");
  assert.equal(classifyError(FIXTURES.notFound), "transient");
  assert.equal(classifyError(FIXTURES.forced), "transient");
  assert.equal(classifyError(FIXTURES.heartbeat), "transient");
  assert.equal(classifyError(FIXTURES.unexpectedClose), "transient");
  assert.equal(classifyError(FIXTURES.closedInHandshake), "transient");
  assert.equal(classifyError(FIXTURES.login), "login");
  assert.equal(classifyError(FIXTURES.external), "login");
  assert.equal(classifyError(FIXTURES.vhost), "vhost");
  assert.equal(classifyError(FIXTURES.durable), "other");
  assert.equal(classifyError(FIXTURES.http), "other");
  assert.equal(classifyError(new ProgramError("x")), "other");
});

Deno.test("ProgramError: usage exits 2, runtime 1, unless told otherwise", () => {
  assert.equal(new ProgramError("x", "usage").exitCode, 2);
  assert.equal(new ProgramError("x").exitCode, 1);
  assert.equal(new ProgramError("x", "usage", 1).exitCode, 1);
  assert.equal(new ProgramError("x", "usage").kind, "usage");
});
