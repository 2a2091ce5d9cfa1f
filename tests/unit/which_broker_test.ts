/**
 * Which broker, without a broker (issue 23): the management API derived
 * from the AMQP URL, and the stream port given or left to the broker.
 */
import assert from "node:assert/strict";
import { derivedManagementUrl } from "../../lib/management.ts";
import { givenStreamPort } from "../../lib/stream.ts";

Deno.test("derivedManagementUrl: the URL's host, the AMQP port + 10,000, https for amqps", () => {
  assert.equal(derivedManagementUrl("amqp://localhost"), "http://localhost:15672");
  assert.equal(
    derivedManagementUrl("amqp://guest:pw@127.0.0.1:5674/shop"),
    "http://127.0.0.1:15674",
  );
  assert.equal(derivedManagementUrl("amqp://[::1]:5681"), "http://[::1]:15681");
  assert.equal(
    derivedManagementUrl("amqps://rabbit.example.org"),
    "https://rabbit.example.org:15671",
  );
  assert.equal(
    derivedManagementUrl("amqps://rabbit.example.org:5676?cacertfile=/ca.pem"),
    "https://rabbit.example.org:15676",
  );
});

Deno.test("givenStreamPort: --stream-port, else RABBITMQ_STREAM_PORT, else undefined (the broker's own)", () => {
  const noEnv = () => undefined;
  const env = (name: string) => name === "RABBITMQ_STREAM_PORT" ? "5554" : undefined;
  assert.equal(givenStreamPort(undefined, noEnv), undefined);
  assert.equal(givenStreamPort(undefined, () => ""), undefined, "an empty variable");
  assert.equal(givenStreamPort(undefined, env), 5554);
  assert.equal(givenStreamPort("5555", env), 5555);
  assert.throws(() => givenStreamPort("x", noEnv), /Invalid value for --stream-port: "x"/);
});
