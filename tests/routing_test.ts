import assert from "node:assert/strict";
import { WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  ENV,
  type Program,
  runTask,
  startReady,
  stopped,
  test,
  testExchange,
  withChannel,
} from "./_helpers.ts";

function startReceiver(exchange: string, severities: string[]) {
  return startReady("receive_logs_direct", ["--exchange", exchange, ...severities], WAITING_LOGS);
}

async function emit(exchange: string, args: string[]) {
  const result = await runTask("emit_log_direct", ["--exchange", exchange, ...args], { env: ENV });
  assertExit(result, 0);
  return result.stdout;
}

const logs = (receiver: Program) => receiver.stdout.filter((line) => line.startsWith(" [x] "));

test("receive_logs_direct.ts gets only the severities it is bound to", async () => {
  await using exchange = testExchange("direct_logs");
  await using errorsOnly = await startReceiver(exchange.name, ["error"]);
  await using all = await startReceiver(exchange.name, ["info", "warning", "error"]);
  // "info" and "warning" go first: once "error" has arrived, they would have arrived before it.
  assert.deepEqual(await emit(exchange.name, ["info", "Just so you know"]), [
    " [x] Sent 'info':'Just so you know'",
  ]);
  await emit(exchange.name, ["warning", "Careful"]);
  await emit(exchange.name, ["error", "Run. Run. Or it will explode."]);
  await all.waitFor("[x] 'error'");
  await errorsOnly.waitFor("[x] 'error'");

  assert.deepEqual(logs(errorsOnly), [" [x] 'error':'Run. Run. Or it will explode.'"]);
  assert.deepEqual(logs(all), [
    " [x] 'info':'Just so you know'",
    " [x] 'warning':'Careful'",
    " [x] 'error':'Run. Run. Or it will explode.'",
  ]);
  for (const receiver of [errorsOnly, all]) assertExit(await stopped(receiver), 0);
  for (const receiver of [errorsOnly, all]) assert.deepEqual(receiver.stderr, []);
});

test("emit_log_direct.ts sends 'info' 'Hello World!' by default to a non-durable direct exchange", async () => {
  await using exchange = testExchange("direct_logs");
  await using receiver = await startReceiver(exchange.name, ["info"]);
  assert.deepEqual(await emit(exchange.name, []), [" [x] Sent 'info':'Hello World!'"]);
  await receiver.waitFor("[x] 'info':'Hello World!'");
  await withChannel((channel) =>
    channel.assertExchange(exchange.name, "direct", { durable: false })
  );
});

test("receive_logs_direct.ts with no severity prints the usage on stderr and exits 1", async () => {
  const result = await runTask("receive_logs_direct", [], { env: ENV });
  assertExit(result, 1);
  assert.deepEqual(result.stdout, []);
  assert.equal(result.stderr.length, 1);
  assert.match(
    result.stderr[0],
    /^Missing arguments: expected \[info\] \[warning\] \[error\]\. Usage: deno task receive_logs_direct \[options\] \[info\] \[warning\] \[error\]/,
  );
});

for (const task of ["emit_log_direct", "receive_logs_direct"]) {
  test(`${task}.ts --help names the --exchange flag and the default exchange "direct_logs"`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assertExit(result, 0);
    assert.ok(
      result.stdout.some((line) => /--exchange EXCHANGE .*\(default: direct_logs\)/.test(line)),
    );
  });
}
