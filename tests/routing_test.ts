import assert from "node:assert/strict";
import {
  deleteExchanges,
  ENV,
  Program,
  runTask,
  startReady,
  stopThenClean,
  uniqueName,
  WAITING_LOGS,
  withChannel,
} from "./_helpers.ts";

function startReceiver(exchange: string, severities: string[]) {
  return startReady("receive_logs_direct", ["--exchange", exchange, ...severities], WAITING_LOGS);
}

async function emit(exchange: string, args: string[]) {
  const result = await runTask("emit_log_direct", ["--exchange", exchange, ...args], { env: ENV });
  assert.equal(result.code, 0, result.stderr.join("\n"));
  return result.stdout;
}

const logs = (receiver: Program) => receiver.stdout.filter((line) => line.startsWith(" [x] "));

Deno.test("receive_logs_direct.ts gets only the severities it is bound to", async () => {
  const exchange = uniqueName("direct_logs");
  const errorsOnly = await startReceiver(exchange, ["error"]);
  const all = await startReceiver(exchange, ["info", "warning", "error"]);
  try {
    // "info" and "warning" go first: once "error" has arrived, they would have arrived before it.
    assert.deepEqual(await emit(exchange, ["info", "Just so you know"]), [
      " [x] Sent 'info':'Just so you know'",
    ]);
    await emit(exchange, ["warning", "Careful"]);
    await emit(exchange, ["error", "Run. Run. Or it will explode."]);
    await all.waitFor("[x] 'error'");
    await errorsOnly.waitFor("[x] 'error'");

    assert.deepEqual(logs(errorsOnly), [" [x] 'error':'Run. Run. Or it will explode.'"]);
    assert.deepEqual(logs(all), [
      " [x] 'info':'Just so you know'",
      " [x] 'warning':'Careful'",
      " [x] 'error':'Run. Run. Or it will explode.'",
    ]);
  } finally {
    await stopThenClean([errorsOnly, all], () => deleteExchanges(exchange));
  }
  for (const receiver of [errorsOnly, all]) assert.deepEqual(receiver.stderr, []);
});

Deno.test("emit_log_direct.ts sends 'info' 'Hello World!' by default to a non-durable direct exchange", async () => {
  const exchange = uniqueName("direct_logs");
  const receiver = await startReceiver(exchange, ["info"]);
  try {
    assert.deepEqual(await emit(exchange, []), [" [x] Sent 'info':'Hello World!'"]);
    await receiver.waitFor("[x] 'info':'Hello World!'");
    await withChannel((channel) => channel.assertExchange(exchange, "direct", { durable: false }));
  } finally {
    await stopThenClean(receiver, () => deleteExchanges(exchange));
  }
});

Deno.test("receive_logs_direct.ts with no severity prints the usage on stderr and exits 1", async () => {
  const result = await runTask("receive_logs_direct", [], { env: ENV });
  assert.equal(result.code, 1);
  assert.deepEqual(result.stdout, []);
  assert.equal(result.stderr.length, 1);
  assert.match(
    result.stderr[0],
    /^Missing arguments: expected \[info\] \[warning\] \[error\]\. Usage: deno task receive_logs_direct \[options\] \[info\] \[warning\] \[error\]/,
  );
});

for (const task of ["emit_log_direct", "receive_logs_direct"]) {
  Deno.test(`${task}.ts --help names the --exchange flag and the default exchange "direct_logs"`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assert.equal(result.code, 0);
    assert.ok(
      result.stdout.some((line) => /--exchange EXCHANGE .*\(default: direct_logs\)/.test(line)),
    );
  });
}
