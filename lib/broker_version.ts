/**
 * Asking a broker its version: RabbitMQ announces it when an AMQP connection
 * opens. For the sentences and tests whose truth depends on the version.
 *
 * @module
 */
import amqp from "amqplib";
import { tlsSocketOptions } from "./tls.ts";

/**
 * The version of the broker at `url`, e.g. "4.3.6". An error (no broker, a
 * refused login, a missing vhost) is thrown as amqplib gives it.
 *
 * @example
 * ```ts
 * await brokerVersion("amqp://localhost"); // "3.10.8"
 * ```
 */
export async function brokerVersion(url: string, name = "version check"): Promise<string> {
  const connection = await amqp.connect(url, {
    timeout: 3000,
    noDelay: true,
    clientProperties: { connection_name: name },
    ...tlsSocketOptions(url),
  });
  const version = String(connection.connection.serverProperties.version);
  await connection.close();
  return version;
}
