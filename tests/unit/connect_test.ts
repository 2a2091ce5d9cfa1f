/**
 * Unit tests of the node rotation in lib/connect.ts and of the polling loop
 * in tools/lib/poll.ts, without a broker: `open` stands in for amqp.connect
 * and fails the way amqplib does when a node is down.
 */
import assert from "node:assert/strict";
import { type Brokers, connectFirst, tryInOrder } from "../../lib/connect.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { PollTimeout, pollUntil } from "../../tools/lib/poll.ts";

const refused = (url: string) =>
  Object.assign(new Error(`connect ECONNREFUSED ${url}`), { code: "ECONNREFUSED" });
const loginRefused = new Error(
  'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"',
);

Deno.test("tryInOrder: the first URL that answers, in the order given", async () => {
  const tried: string[] = [];
  const up = new Set(["amqp://c"]);
  const open = (url: string) => {
    tried.push(url);
    return up.has(url) ? Promise.resolve(`connection to ${url}`) : Promise.reject(refused(url));
  };
  const reached = await tryInOrder(["amqp://a", "amqp://b", "amqp://c"], open);
  assert.deepEqual(reached, { value: "connection to amqp://c", url: "amqp://c", index: 2 });
  assert.deepEqual(tried, ["amqp://a", "amqp://b", "amqp://c"]);
});

Deno.test("tryInOrder: from a start index, wrapping around (the next node after a lost one)", async () => {
  const tried: string[] = [];
  const open = (url: string) => {
    tried.push(url);
    return url === "amqp://a" ? Promise.resolve(url) : Promise.reject(refused(url));
  };
  const reached = await tryInOrder(["amqp://a", "amqp://b", "amqp://c"], open, 1);
  assert.equal(reached.index, 0);
  assert.deepEqual(tried, ["amqp://b", "amqp://c", "amqp://a"]);
});

Deno.test("tryInOrder: no broker answers: one sentence naming them all", async () => {
  const error = await tryInOrder(["amqp://a", "amqp://b:1"], (url) => Promise.reject(refused(url)))
    .then(() => undefined, (error) => error);
  assert.ok(error instanceof ProgramError);
  assert.match(
    error.message,
    /^None of the 2 brokers answered \("amqp:\/\/a", "amqp:\/\/b:1"\); the last: Cannot connect to "amqp:\/\/b:1": connection refused/,
  );
});

Deno.test("tryInOrder: a refused login is not retried on the next broker", async () => {
  const tried: string[] = [];
  const error = await tryInOrder(["amqp://a", "amqp://b"], (url) => {
    tried.push(url);
    return Promise.reject(loginRefused);
  }).then(() => undefined, (error) => error);
  assert.equal(error, loginRefused);
  assert.deepEqual(tried, ["amqp://a"]);
});

Deno.test("tryInOrder: with one URL, its own error as it is", async () => {
  const error = refused("amqp://a");
  assert.equal(await tryInOrder(["amqp://a"], () => Promise.reject(error)).catch((e) => e), error);
});

Deno.test("connectFirst: the broker reached, or the one that refused, becomes brokers.current", async () => {
  const brokers: Brokers = { urls: ["amqp://a", "amqp://b", "amqp://c"], current: "amqp://a" };
  const open = (url: string) =>
    url === "amqp://c" ? Promise.resolve(`connection to ${url}`) : Promise.reject(refused(url));
  assert.equal(await connectFirst(brokers, open), "connection to amqp://c");
  assert.equal(brokers.current, "amqp://c", "the handler names the broker reached");

  const refusing: Brokers = { urls: ["amqp://a", "amqp://b"], current: "amqp://a" };
  const error = await connectFirst(
    refusing,
    (url) => url === "amqp://b" ? Promise.reject(loginRefused) : Promise.reject(refused(url)),
  ).catch((e) => e);
  assert.equal(error, loginRefused);
  assert.equal(refusing.current, "amqp://b", "the handler names the broker that refused the login");
});

Deno.test("pollUntil: returns the first truthy answer; times out with what it waited for", async () => {
  let calls = 0;
  assert.equal(await pollUntil("three calls", () => ++calls >= 3 && calls, { intervalMs: 1 }), 3);
  const error = await pollUntil("never", () => false, { timeoutMs: 30, intervalMs: 5 }).catch((e) =>
    e
  );
  assert.ok(error instanceof PollTimeout);
  assert.equal(error.message, "Timed out after 0.03 s waiting until never");
  const failing = pollUntil("a throw", () => {
    throw new RangeError("stop");
  });
  await assert.rejects(failing, RangeError);
});

Deno.test("pollUntil: checks again as soon as `changed` resolves, not only on the interval", async () => {
  let ready = false;
  let wake = () => {};
  setTimeout(() => {
    ready = true;
    wake();
  }, 20);
  const started = performance.now();
  await pollUntil("ready", () => ready, {
    intervalMs: 5_000,
    changed: () => new Promise<void>((resolve) => wake = resolve),
  });
  assert.ok(performance.now() - started < 2_000, "woken by the change, not the 5 s interval");
});
