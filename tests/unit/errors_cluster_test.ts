/**
 * Unit tests of lib/errors.ts's wording for a refused connection: a node of
 * `deno task cluster` (its ports on this machine) is told how to see which
 * nodes run, how to bring it back and how to go on with another node, not
 * to start a broker with `deno task broker`; every other URL keeps that fix.
 */
import assert from "node:assert/strict";
import { CLUSTER_PORTS, describeError } from "../../lib/errors.ts";
import { CLUSTER_URLS } from "../../tools/lib/local_nodes.ts";

function refused(port: number): Error {
  return Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), {
    code: "ECONNREFUSED",
  });
}

Deno.test("describeError: a refused cluster node is told about the cluster, not deno task broker", () => {
  assert.deepEqual(CLUSTER_URLS.map((url) => new URL(url).port), CLUSTER_PORTS.map(String));
  for (const port of CLUSTER_PORTS) {
    for (const host of ["localhost", "127.0.0.1"]) {
      const url = `amqp://guest:guest@${host}:${port}`;
      assert.equal(
        describeError(refused(port), url),
        `Cannot connect to "amqp://guest:***@${host}:${port}": connection refused; if it is a node of "deno task cluster", that node is down: "deno task cluster status" shows which nodes run and "deno task cluster start" brings it back; given every node's URL (AMQP_URL=amqp://${host}:5681,amqp://${host}:5682,amqp://${host}:5683), a program goes on with a node that runs`,
      );
    }
  }
});

Deno.test("describeError: any other refused URL is told to start a broker or check the port", () => {
  for (
    const url of [
      "amqp://localhost",
      "amqp://localhost:5674",
      "amqp://localhost:5684",
      "amqp://rabbit.example.com:5681",
    ]
  ) {
    assert.equal(
      describeError(refused(5672), url),
      `Cannot connect to "${url}": connection refused; start a broker with "deno task broker" or check the port`,
    );
  }
});
