/**
 * RabbitMQ 3.x has no AMQP 1.0 with v2 addresses (3.10 answers the AMQP 1.0
 * protocol header with AMQP 0-9-1's unless its plugin is on; 3.13's plugin
 * speaks the old address format): every AMQP 1.0 program says so in one
 * sentence naming the version it met and the AMQP 0-9-1 program to run, and
 * exits 1. This test runs on the 3.x run of .ci/run, and is skipped on 4.x.
 */
import { assertOneLineError, programTasks, test, testName } from "./_helpers.ts";
import { NO_AMQP10, VERSION } from "./peers/amqp10/support.ts";

const skip = NO_AMQP10 === undefined
  ? `this run's broker is RabbitMQ ${VERSION}, which has AMQP 1.0 with v2 addresses`
  : undefined;

/** Arguments that get each program past its own checks to the point of connecting. */
const ARGS: Record<string, string[]> = {
  "amqp10:receive_logs_direct": ["info"],
  "amqp10:receive_logs_topic": ["#"],
  "amqp10:rpc_client": ["10"],
};

test({
  name: testName(
    "every amqp10 program on RabbitMQ 3.x: one sentence naming the version and the AMQP 0-9-1 program to run instead, exit 1",
    skip,
  ),
  ignore: skip !== undefined,
  async fn(t) {
    const programs = (await programTasks()).filter((task) => task.startsWith("amqp10:"));
    for (const program of programs) {
      await t.step(program, async () => {
        const sibling = program.replace("amqp10:", "");
        await assertOneLineError(program, ARGS[program] ?? [], {
          code: 1,
          message: new RegExp(
            `^The broker at "[^"]+" is RabbitMQ ${
              VERSION.replace(/\./g, "\\.")
            }, which has no AMQP 1\\.0 with v2 addresses \\(RabbitMQ 4\\.0 and later have it, always on\\); upgrade it, or run the AMQP 0-9-1 program instead: deno task ${sibling}$`,
          ),
        });
      });
    }
  },
});
