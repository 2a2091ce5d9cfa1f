/**
 * Unit tests, without a broker, of the wording for the failures track
 * (docs/failures.md): a consumer timeout as RabbitMQ 3.10 reports it, a
 * broker too old for a feature, and a queue declared elsewhere with other
 * dead-letter, delivery-limit, TTL or retry arguments. The broker messages
 * are those amqplib 2.3.1 gave against RabbitMQ 3.10.8 and 4.3.6. And the
 * version check that comes before a feature older brokers would ignore.
 */
import assert from "node:assert/strict";
import {
  consumerTimeoutSentence,
  describeError,
  missingFeatureSentence,
} from "../../lib/errors.ts";
import { atLeast } from "../../lib/require_version.ts";

const URL = "amqp://guest:secret@localhost";

/** A queue declaration refused for an argument, as amqplib words it. */
function inequivalent(arg: string, received: string, current: string): Error {
  return new Error(
    `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg '${arg}' for queue 'failing_tasks' in vhost '/': received ${received} but current is ${current}"`,
  );
}

Deno.test("a consumer timeout on RabbitMQ 3.10 (a closed channel) is one sentence naming the timeout", () => {
  const closed = new Error(
    'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value used: 1000 ms. This timeout value can be configured, see consumers doc guide to learn more"',
  );
  const sentence = describeError(closed, URL);
  assert.equal(sentence, consumerTimeoutSentence(URL, 1000));
  assert.match(
    sentence,
    /^The broker at "amqp:\/\/guest:\*\*\*@localhost" took back a message this consumer held without an ack for longer than the consumer timeout \(1,000 ms\) and requeued it for another consumer; make the work shorter or raise the timeout/,
  );
  assert.match(consumerTimeoutSentence(URL), /longer than the consumer timeout and requeued/);
});

Deno.test("a broker too old for a feature is one sentence: its version, the feature, since when, and what instead", () => {
  assert.equal(
    missingFeatureSentence(URL, "3.10.8", {
      feature: "the delayed retry of quorum queues, x-delayed-retry-type",
      since: "4.3",
      instead: 'use "deno task retry_worker", which waits in queues of its own',
    }),
    'The broker at "amqp://guest:***@localhost" is RabbitMQ 3.10.8, which would ignore the delayed retry of quorum queues, x-delayed-retry-type (RabbitMQ 4.3 and later have it); use "deno task retry_worker", which waits in queues of its own',
  );
});

Deno.test("a work queue declared elsewhere with other failure arguments: one sentence names the argument", () => {
  const cases: [Error, string][] = [
    [
      inequivalent("x-dead-letter-exchange", "the value 'dead_letters' of type 'longstr'", "none"),
      'with x-dead-letter-exchange none, but this program declares it with x-dead-letter-exchange "dead_letters"',
    ],
    [
      inequivalent("x-dead-letter-exchange", "'b'", "'a'"),
      'with x-dead-letter-exchange "a", but this program declares it with x-dead-letter-exchange "b"',
    ],
    [
      inequivalent("x-delivery-limit", "the value '5' of type 'byte'", "none"),
      'with x-delivery-limit none, but this program declares it with x-delivery-limit "5"',
    ],
    [
      inequivalent("x-delivery-limit", "'3'", "'5'"),
      'with x-delivery-limit "5", but this program declares it with x-delivery-limit "3"',
    ],
    [
      inequivalent("x-message-ttl", "the value '1000' of type 'short'", "none"),
      'with x-message-ttl none, but this program declares it with x-message-ttl "1000"',
    ],
    [
      inequivalent("x-delayed-retry-type", "the value 'all' of type 'longstr'", "none"),
      'with x-delayed-retry-type none, but this program declares it with x-delayed-retry-type "all"',
    ],
  ];
  for (const [error, clash] of cases) {
    assert.equal(
      describeError(error, URL),
      `The queue "failing_tasks" already exists ${clash}; delete the queue with "rabbitmqctl delete_queue failing_tasks" and run again, or use another name`,
    );
  }
});

Deno.test("atLeast compares a broker's version with a feature's first version", () => {
  assert.equal(atLeast("4.3.6", "4.3"), true);
  assert.equal(atLeast("4.3.0-rc.1", "4.3"), true);
  assert.equal(atLeast("4.2.9", "4.3"), false);
  assert.equal(atLeast("3.10.8", "4.3"), false);
  assert.equal(atLeast("3.10.8", "3.12"), false);
  assert.equal(atLeast("3.13.7", "3.12"), true);
  assert.equal(atLeast("4.0.5", "3.12"), true);
  assert.equal(atLeast("10.0.0", "4.3"), true);
  assert.equal(atLeast("unknown", "4.3"), true, "a version it cannot read counts as recent enough");
});
