/**
 * What the AMQP 1.0 tests share: whether this run's broker has AMQP 1.0
 * with v2 addresses (RabbitMQ 4.0+; the tests skip with the reason on
 * 3.x), and a connection of the test's own over AMQP 1.0 with its
 * management client, closed at scope exit.
 */
import { brokerVersion } from "../../../lib/broker_version.ts";
import { close, connect, type Connection } from "../../../lib/amqp10/connection.ts";
import { type Management, openManagement } from "../../../lib/amqp10/management.ts";
import { atExit, BROKER_URL, test, type TestBody, testName } from "../../_helpers.ts";

/** The version of this run's broker, e.g. "4.3.6". */
export const VERSION = await brokerVersion(BROKER_URL);

/** Why the AMQP 1.0 tests cannot run on this run's broker, or undefined when they can. */
export const NO_AMQP10 = /^[4-9]\.|^\d{2,}\./.test(VERSION)
  ? undefined
  : `this run's broker is RabbitMQ ${VERSION}, which has no AMQP 1.0 with v2 addresses (RabbitMQ 4.0+)`;

/** A test of the AMQP 1.0 track: skipped, with the reason in its name, on RabbitMQ 3.x. */
export function amqp10Test(name: string, fn: TestBody, skip = NO_AMQP10): void {
  test({ name: testName(name, skip), ignore: skip !== undefined, fn });
}

/**
 * An AMQP 1.0 connection of the test's own and its management client,
 * closed at scope exit (`await using`): declared after the queues it uses,
 * it goes before they are deleted.
 */
export async function amqp10(
  url = BROKER_URL,
): Promise<{ connection: Connection; management: Management } & AsyncDisposable> {
  const connection = await connect(url);
  const management = await openManagement(connection).catch(async (error) => {
    await close(connection);
    throw error;
  });
  return Object.assign(atExit(() => close(connection)), { connection, management });
}
