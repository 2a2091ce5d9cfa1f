/**
 * Talking to RabbitMQ's management HTTP API (the management plugin), for
 * setting up users and vhosts and for tests that close connections.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { urlParts } from "./url.ts";

/**
 * The management API's base address for the broker at `amqpUrl`:
 * `RABBITMQ_MANAGEMENT_URL` if set, else `http://HOST:15672`.
 *
 * @example
 * ```ts
 * managementUrl("amqp://localhost"); // "http://localhost:15672"
 * ```
 */
export function managementUrl(amqpUrl: string): string {
  const fromEnv = Deno.env.get("RABBITMQ_MANAGEMENT_URL");
  if (fromEnv) return fromEnv.replace(/\/$/, "");
  const { host } = urlParts(amqpUrl);
  return `http://${host.includes(":") ? `[${host}]` : host}:15672`;
}

/** Options for {@link managementRequest}. */
export interface ManagementRequest {
  /** HTTP method (default GET). */
  method?: "GET" | "PUT" | "DELETE" | "POST";
  /** A JSON body. */
  body?: unknown;
  /** User and password (default: those of the AMQP URL, else guest/guest). */
  user?: string;
  password?: string;
}

/**
 * Calls the management API of the broker at `amqpUrl`; resolves with the
 * parsed JSON (or `undefined` for an empty answer) and throws an Error whose
 * message is one sentence for a refused or failed call.
 *
 * @example
 * ```ts
 * const vhosts = await managementRequest("amqp://localhost", "/api/vhosts");
 * ```
 */
export async function managementRequest(
  amqpUrl: string,
  path: string,
  request: ManagementRequest = {},
): Promise<unknown> {
  const parsed = new URL(amqpUrl);
  const user = request.user ?? (decodeURIComponent(parsed.username) || "guest");
  const password = request.password ?? (decodeURIComponent(parsed.password) || "guest");
  const base = managementUrl(amqpUrl);
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: request.method ?? "GET",
      headers: {
        authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
  } catch (error) {
    throw new Error(
      `Cannot reach the management API at "${base}": ${
        (error as Error).message
      }; enable it with "rabbitmq-plugins enable rabbitmq_management" or set RABBITMQ_MANAGEMENT_URL`,
    );
  }
  const text = await response.text();
  if (response.status === 401) {
    throw new Error(
      `The management API at "${base}" refused user "${user}": wrong password, or the user lacks the "administrator" tag`,
    );
  }
  if (!response.ok) {
    const reason = text ? (JSON.parse(text).reason ?? text) : response.statusText;
    throw new Error(
      `The management API at "${base}" answered ${response.status} to ${
        request.method ?? "GET"
      } ${path}: ${reason}`,
    );
  }
  return text ? JSON.parse(text) : undefined;
}
