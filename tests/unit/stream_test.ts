/**
 * lib/stream.ts without a broker: the stream port and connection settings
 * from the AMQP URL, the version check; lib/errors.ts's sentences for each
 * way a stream connection or call fails; and the stream programs read like
 * the official ones (rabbitmq-tutorials, javascript-nodejs-stream).
 */
import assert from "node:assert/strict";
import {
  describeError,
  noStoredOffset,
  type StreamCall,
  streamPortSentence,
  tooOldSentence,
} from "../../lib/errors.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { streamOptions, streamPort, supportsStreams } from "../../lib/stream.ts";

const noEnv = () => undefined;

Deno.test("streamPort: --stream-port, else RABBITMQ_STREAM_PORT, else 5552 (5551 for amqps)", () => {
  assert.equal(streamPort("amqp://localhost", undefined, noEnv), 5552);
  assert.equal(streamPort("amqps://localhost", undefined, noEnv), 5551);
  const env = (name: string) => name === "RABBITMQ_STREAM_PORT" ? "5554" : undefined;
  assert.equal(streamPort("amqp://localhost", undefined, env), 5554);
  assert.equal(streamPort("amqp://localhost", "5555", env), 5555);
  assert.equal(streamPort("amqp://localhost", undefined, () => ""), 5552, "an empty variable");
});

Deno.test("streamPort: a value that is not a port is a usage error naming where it came from", () => {
  for (const value of ["abc", "0", "65536", "55.5", "-1"]) {
    assert.throws(() => streamPort("amqp://localhost", value, noEnv), (error) => {
      assert.ok(error instanceof ProgramError);
      assert.equal(error.exitCode, 2);
      assert.equal(
        error.message,
        `Invalid value for --stream-port: "${value}" is not a port number (1 to 65535)`,
      );
      return true;
    });
  }
  assert.throws(
    () => streamPort("amqp://localhost", undefined, () => "x"),
    /^ProgramError: Invalid value for RABBITMQ_STREAM_PORT: "x"/,
  );
});

Deno.test("streamOptions: host, user, password and vhost from the AMQP URL, decoded", () => {
  const options = streamOptions("amqp://b%40b:s%3Acret@broker.example:5673/%2Fshop", 5552, "t");
  assert.equal(options.hostname, "broker.example");
  assert.equal(options.port, 5552);
  assert.equal(options.username, "b@b");
  assert.equal(options.password, "s:cret");
  assert.equal(options.vhost, "/shop");
  assert.equal(options.connectionName, "t");
  assert.equal(options.ssl, undefined);

  const defaults = streamOptions("amqp://localhost", 5554, "t");
  assert.deepEqual(
    [defaults.username, defaults.password, defaults.vhost, defaults.port],
    ["guest", "guest", "/", 5554],
  );
  assert.equal(streamOptions("amqp://[::1]", 5552).hostname, "::1");
  assert.ok(streamOptions("amqps://localhost", 5551).ssl, "TLS for amqps://");
});

Deno.test("supportsStreams: RabbitMQ 3.11 and later", () => {
  assert.equal(supportsStreams("3.10.8"), false);
  assert.equal(supportsStreams("3.9.29"), false);
  assert.equal(supportsStreams("3.11.0"), true);
  assert.equal(supportsStreams("3.13.7"), true);
  assert.equal(supportsStreams("4.3.6"), true);
  assert.equal(supportsStreams("unknown"), true, "a version it cannot read is no reason to refuse");
});

Deno.test("tooOldSentence names the version met, the one needed and the URL without its password", () => {
  assert.equal(
    tooOldSentence("amqp://guest:secret@localhost", "3.10.8", "3.11"),
    'The broker at "amqp://guest:***@localhost" is RabbitMQ 3.10.8, but the stream client needs RabbitMQ 3.11 or later; upgrade it, or stop it and start this project\'s RabbitMQ 4.3 (compose.yaml, stream plugin on) with "docker compose up -d"',
  );
});

/** A socket error as Node gives it: a message and a code. */
function socketError(code: string, message = `connect ${code} 127.0.0.1:5552`): Error {
  return Object.assign(new Error(message), { code });
}

Deno.test("streamPortSentence, refused: plugin off, another port, a port not reachable, or unknown", () => {
  const refused = { url: "amqp://localhost", port: 5552, version: "4.3.6" };
  const noStreamPortSentence = (failure: typeof refused & { listeners?: number[] }) =>
    streamPortSentence(socketError("ECONNREFUSED"), failure);
  assert.match(
    noStreamPortSentence({ ...refused, listeners: [] }),
    /^The broker at "amqp:\/\/localhost" \(RabbitMQ 4\.3\.6\) does not listen for streams: its plugin rabbitmq_stream is off; enable it with "rabbitmq-plugins enable rabbitmq_stream"/,
  );
  assert.equal(
    noStreamPortSentence({ ...refused, listeners: [5554] }),
    'The broker at "amqp://localhost" (RabbitMQ 4.3.6) listens for streams on port 5554, not 5552: nothing answers on "localhost:5552"; pass --stream-port 5554 (or set RABBITMQ_STREAM_PORT=5554)',
  );
  assert.match(
    noStreamPortSentence({ ...refused, listeners: [5552] }),
    /listens for streams on port 5552, but "localhost:5552" refuses connections from here: if the broker runs in a container, publish the port \(compose\.yaml: "127\.0\.0\.1:5552:5552"\)/,
  );
  assert.match(
    noStreamPortSentence(refused),
    /answers over AMQP, but nothing answers on its stream port "localhost:5552": enable the stream plugin .* or give the broker's stream port with --stream-port$/,
  );
});

Deno.test("streamPortSentence, any other failure: its cause, and what to check", () => {
  const failure = { url: "amqp://bob:pw@localhost", port: 5552, version: "4.3.6" };
  const check = "; check the host, the port (--stream-port) and any firewall between";
  assert.equal(
    streamPortSentence(socketError("EHOSTUNREACH"), failure),
    `Cannot connect to the stream port "localhost:5552" of the broker at "amqp://bob:***@localhost" (RabbitMQ 4.3.6): host unreachable${check}`,
  );
  assert.match(
    streamPortSentence(new Error("Timeout localhost:5552"), failure),
    new RegExp(`: no answer in time${check.replace(/[()]/g, "\\$&")}$`),
  );
  assert.match(
    streamPortSentence(socketError("ECONNRESET", "read ECONNRESET"), failure),
    /\(RabbitMQ 4\.3\.6\): read ECONNRESET; check the host/,
    "a connection that broke is not one that never opened",
  );
});

/** The sentence for an error of the stream client's call about `call.stream`. */
function streamErrorSentence(error: unknown, call: StreamCall & { url: string }): string {
  return describeError(error, call.url, { stream: call });
}

Deno.test("describeError for a stream call: a stream declared with other arguments", () => {
  const error = new Error("Create Stream command returned error with code 17");
  assert.equal(
    streamErrorSentence(error, {
      url: "amqp://localhost",
      stream: "hello-nodejs-stream",
      arguments: { "max-length-bytes": 5e9 },
    }),
    'The stream "hello-nodejs-stream" already exists with other arguments than this program declares (with max-length-bytes 5000000000); delete it with "rabbitmqctl delete_queue hello-nodejs-stream" and run again, or use another name with --stream',
  );
  assert.match(
    streamErrorSentence(error, { url: "amqp://localhost/shop", stream: "s", arguments: {} }),
    /\(without arguments\); delete it with "rabbitmqctl delete_queue -p shop s"/,
  );
});

Deno.test("describeError for a stream call: missing stream, not available, access refused, bare codes, anything else", () => {
  const context = { url: "amqp://bob:pw@localhost", stream: "s" };
  assert.match(
    streamErrorSentence(
      new Error("Declare Consumer command returned error with code 2 - Stream does not exist"),
      context,
    ),
    /^The stream "s" does not exist in vhost "\/" at "amqp:\/\/bob:\*\*\*@localhost"/,
  );
  assert.match(streamErrorSentence(6, context), /^The stream "s" .* is not available right now/);
  assert.match(
    streamErrorSentence(new Error("... with code 16"), context),
    /refused user "bob" access to the stream "s"/,
  );
  assert.equal(
    streamErrorSentence(new Error("something else"), context),
    describeError(new Error("something else"), context.url),
    "nothing better to say than the AMQP wording",
  );
});

Deno.test("describeError for a stream call: an advertised host this machine cannot reach", () => {
  const call = {
    url: "amqp://localhost",
    stream: "s",
    advertised: { host: "rabbitmq", port: 5552 },
  };
  const error = Object.assign(new Error("getaddrinfo ENOTFOUND rabbitmq"), { code: "ENOTFOUND" });
  assert.equal(
    streamErrorSentence(error, call),
    'The broker at "amqp://localhost" tells stream clients to connect to "rabbitmq:5552", which this machine cannot reach (host not found); set stream.advertised_host (and stream.advertised_port) in its configuration to a name and port clients can reach, as compose.yaml does with localhost',
  );
  const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
  assert.doesNotMatch(
    streamErrorSentence(reset, call),
    /cannot reach/,
    "a connection that broke is not one that never opened",
  );
});

Deno.test("noStoredOffset reads the stream client's errors: a message with the code, or the bare code", () => {
  assert.ok(noStoredOffset(new Error("Query offset command returned error with code 19")));
  assert.ok(noStoredOffset(19));
  assert.ok(!noStoredOffset(new Error("Query offset command returned error with code 2")));
  assert.ok(!noStoredOffset(2));
  assert.ok(!noStoredOffset(new Error("no code")));
  assert.ok(!noStoredOffset(undefined));
});

/** Each stream program and the stream client calls its file must make, in this order. */
const SHAPES: Record<string, string[]> = {
  send: [
    "rabbit.connect(options)",
    ".createStream(",
    '"max-length-bytes": streamSizeRetention',
    ".declarePublisher(",
    '"publish_confirm"',
    ".send(",
    "client.close()",
  ],
  receive: [
    "rabbit.connect(options)",
    ".createStream(",
    '"max-length-bytes": streamSizeRetention',
    ".declareConsumer(",
    "rabbit.Offset.first()",
  ],
  offset_tracking_send: [
    "rabbit.connect(options)",
    ".createStream(",
    ".declarePublisher(",
    '"marker"',
    ".send(",
    "client.close()",
  ],
  offset_tracking_receive: [
    "rabbit.connect(options)",
    ".createStream(",
    'consumerRef = "offset-tracking-tutorial"',
    "rabbit.Offset.first()",
    ".queryOffset(",
    "rabbit.Offset.offset(offset + 1n)",
    ".declareConsumer(",
    "messageCount % 10 === 0",
    ".storeOffset(",
    '"marker"',
    ".storeOffset(",
    "client.close()",
  ],
};

for (const [program, calls] of Object.entries(SHAPES)) {
  Deno.test(`scripts/stream/${program}.ts makes the stream client's calls itself, in the official order`, async () => {
    const source = await Deno.readTextFile(
      new URL(`../../scripts/stream/${program}.ts`, import.meta.url),
    );
    let from = 0;
    for (const call of calls) {
      const at = source.indexOf(call, from);
      assert.ok(at >= 0, `"${call}" after position ${from} in scripts/stream/${program}.ts`);
      from = at + call.length;
    }
    assert.match(source, /^\/\*\*\n \* .+/, "a header comment first");
    assert.match(source, /\n \* Run: +deno task stream:/, "the header says how to run it");
    assert.match(source, /\n \* Needs: /, "the header says which permissions it needs");
  });
}
