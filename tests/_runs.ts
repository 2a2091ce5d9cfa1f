/**
 * Which of `.ci/run`'s two suite runs (one per broker) runs the tests that do
 * not use the run's broker at all: the Docker tests, the cluster and kill -9
 * tests, the tests of tools/rabbitmq4 and of `deno task broker` starting a
 * broker of its own. They start their own brokers, so they prove the same
 * thing in either run: `.ci/run` runs them in one, and in the other sets
 * ELSEWHERE to the reason, which such a test gives as its skip reason (and
 * `.ci/run` prints). Run by hand, without ELSEWHERE, every test runs.
 *
 * @module
 */

/**
 * Why a test that does not use the run's broker is skipped in this run, or
 * `undefined` when it runs here: `$ELSEWHERE`, e.g. "they ran in the run
 * against RabbitMQ 4.3.6".
 */
export function ranElsewhere(): string | undefined {
  return Deno.env.get("ELSEWHERE") || undefined;
}
