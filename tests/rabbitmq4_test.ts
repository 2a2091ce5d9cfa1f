/**
 * RabbitMQ 4.3's default, really on in the 4.x run: a node configured as
 * strictly as 4.3.0 (deprecated_features.permit.transient_nonexcl_queues =
 * false) and without this project's rabbitmq/tutorials.conf refuses a
 * non-durable queue that is not exclusive (the lab's part 1 declares one),
 * and the program says so in one sentence naming the version it met.
 * `.ci/rabbitmq4 --bare start` runs such a node; `.ci/rabbitmq4 env`
 * exports its URL as RABBITMQ4_BARE_URL.
 */
import assert from "node:assert/strict";
import { assertOneLineError, brokerVersionAt, test, testName } from "./_helpers.ts";

const BARE_URL = Deno.env.get("RABBITMQ4_BARE_URL");
const skip = BARE_URL
  ? undefined
  : `this run's broker is RabbitMQ ${await brokerVersionAt()}, with no strict 4.x node beside it (RABBITMQ4_BARE_URL unset)`;

test({
  name: testName(
    "a 4.x node without tutorials.conf refuses a transient shared queue, and the program names the version",
    skip,
  ),
  ignore: skip !== undefined,
  async fn() {
    const version = await brokerVersionAt(BARE_URL!);
    assert.match(version, /^4\./);
    const result = await assertOneLineError("lab:1:send", ["--url", BARE_URL!], {
      code: 1,
      message: new RegExp(
        `^The broker at "[^"]+" \\(RabbitMQ ${
          version.replace(/\./g, "\\.")
        }\\) refuses non-durable queues that are not exclusive \\(RabbitMQ 4\\.3\\+\\); add "deprecated_features\\.permit\\.transient_nonexcl_queues = true"`,
      ),
    });
    assert.deepEqual(result.stdout, [], "nothing sent");
  },
});
