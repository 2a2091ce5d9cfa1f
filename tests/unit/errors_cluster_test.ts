/**
 * Unit tests of lib/errors.ts's wording for a node that is down or went
 * down (a refused connection, or one reset while in use): a node of `deno
 * task cluster` (its ports on this machine) is told how to see which nodes
 * run, how to bring it back and how to go on with another node, not to
 * start a broker with `deno task broker` or to check that the port is
 * AMQP's; every other URL keeps those fixes.
 */
import assert from "node:assert/strict";
import { CLUSTER_PORTS, describeError } from "../../lib/errors.ts";
import { CLUSTER_URLS } from "../../tools/lib/local_nodes.ts";

/** The socket error amqplib passes on, as Node's socket gives it. */
function socketError(code: string, port: number): Error {
  const message = code === "ECONNREFUSED"
    ? `connect ECONNREFUSED 127.0.0.1:${port}`
    : `read ${code}`;
  return Object.assign(new Error(message), { code });
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "the server reset the connection",
  EPIPE: "the server closed the connection",
};

Deno.test("describeError: a cluster node that is down is told about the cluster, not deno task broker", () => {
  assert.deepEqual(CLUSTER_URLS.map((url) => new URL(url).port), CLUSTER_PORTS.map(String));
  for (const [code, cause] of Object.entries(CAUSES)) {
    for (const port of CLUSTER_PORTS) {
      for (const host of ["localhost", "127.0.0.1"]) {
        const url = `amqp://guest:guest@${host}:${port}`;
        assert.equal(
          describeError(socketError(code, port), url),
          `Cannot connect to "amqp://guest:***@${host}:${port}": ${cause}; if it is a node of "deno task cluster", that node is down: "deno task cluster status" shows which nodes run and "deno task cluster start" brings it back; given every node's URL (AMQP_URL=amqp://${host}:5681,amqp://${host}:5682,amqp://${host}:5683), a program goes on with a node that runs`,
          `${code} ${url}`,
        );
      }
    }
  }
});

Deno.test("describeError: any other URL keeps the usual fixes", () => {
  const others = [
    "amqp://localhost",
    "amqp://localhost:5674",
    "amqp://localhost:5684",
    "amqp://rabbit.example.com:5681",
  ];
  for (const url of others) {
    assert.equal(
      describeError(socketError("ECONNREFUSED", 5672), url),
      `Cannot connect to "${url}": connection refused; start a broker with "deno task broker" or check the port`,
    );
    assert.equal(
      describeError(socketError("ECONNRESET", 5672), url),
      `Cannot connect to "${url}": the server reset the connection; is this an AMQP port (5672, or 5671 for amqps)?`,
    );
  }
  // Other socket errors on a cluster port: their own fix.
  assert.equal(
    describeError(
      Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" }),
      "amqp://localhost:5681",
    ),
    'Cannot connect to "amqp://localhost:5681": host not found; check the host name in the URL',
  );
});
