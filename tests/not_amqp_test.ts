/**
 * A server that does not speak AMQP (an HTTP server, a proxy, the wrong
 * port on a course server): every program says so in one sentence, with
 * the fix, and shows no password.
 */
import assert from "node:assert/strict";
import { assertOneLineError, test } from "./_helpers.ts";

/**
 * Runs `fn` with the port of a local TCP server that answers anything with
 * an HTTP 404 and closes, as an HTTP server does with AMQP's protocol header.
 */
async function withHttpServer(fn: (port: number) => Promise<void>): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const answer = new TextEncoder().encode(
    "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot Found",
  );
  const serving = (async () => {
    for await (const conn of listener) {
      try {
        await conn.read(new Uint8Array(64)); // AMQP's protocol header, "AMQP\0\0\9\1"
        await conn.write(answer);
      } catch {
        // the client hung up first
      } finally {
        conn.close();
      }
    }
  })();
  try {
    await fn((listener.addr as Deno.NetAddr).port);
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
}

for (
  const [task, args] of [
    ["send", []],
    ["lab1:durable:send", ["--group", "inbo-04", "--surname", "laptev"]],
    ["lab:2:worker", []],
  ] as const
) {
  test(`${task} given a server that answers "HTTP/1.1 404" says it does not speak AMQP, exits 1, shows no password`, async () => {
    await withHttpServer(async (port) => {
      const url = `amqp://student:s3cret-Pa55@127.0.0.1:${port}`;
      const result = await assertOneLineError(task, [...args, "--url", url], {
        code: 1,
        message: new RegExp(
          `^The server at "amqp://student:\\*\\*\\*@127\\.0\\.0\\.1:${port}" does not speak AMQP .*; check the host and the port: AMQP is 5672 \\(5671 for amqps\\), while 15672 is the management UI$`,
        ),
      });
      assert.doesNotMatch(result.stderr[0], /s3cret-Pa55/, "no password");
      assert.deepEqual(result.stdout, []);
    });
  });
}
