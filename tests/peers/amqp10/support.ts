/**
 * What the AMQP 1.0 tests share: whether this run's broker has AMQP 1.0
 * with v2 addresses (RabbitMQ 4.0+; the tests skip with the reason on
 * 3.x), a connection of the test's own over AMQP 1.0 with its management
 * client, and the AMQP 0-9-1 program each AMQP 1.0 one pairs with.
 */
import { brokerVersion } from "../../../lib/broker_version.ts";
import { close, connect, type Connection } from "../../../lib/amqp10/connection.ts";
import { type Management, openManagement } from "../../../lib/amqp10/management.ts";
import { testName, URL } from "../../_helpers.ts";

/** The version of this run's broker, e.g. "4.3.6". */
export const VERSION = await brokerVersion(URL);

/** Why the AMQP 1.0 tests cannot run on this run's broker, or undefined when they can. */
export const NO_AMQP10 = /^[4-9]\.|^\d{2,}\./.test(VERSION)
  ? undefined
  : `this run's broker is RabbitMQ ${VERSION}, which has no AMQP 1.0 with v2 addresses (RabbitMQ 4.0+)`;

/** A test of the AMQP 1.0 track: skipped, with the reason in its name, on RabbitMQ 3.x. */
export function amqp10Test(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name: testName(name, NO_AMQP10), ignore: NO_AMQP10 !== undefined, fn });
}

/** Runs `fn` with an AMQP 1.0 connection and management client of the test's own, then closes. */
export async function withAmqp10<T>(
  fn: (connection: Connection, management: Management) => Promise<T>,
  url = URL,
): Promise<T> {
  const connection = await connect(url);
  try {
    return await fn(connection, await openManagement(connection));
  } finally {
    await close(connection);
  }
}
