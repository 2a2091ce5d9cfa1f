/**
 * Talking to RabbitMQ's management HTTP API (the management plugin), for
 * setting up users and vhosts and for tests that close connections.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { logsIn } from "./connect.ts";
import { ProgramError } from "./program_error.ts";
import { tlsSocketOptions } from "./tls.ts";
import { urlParts } from "./url.ts";

/**
 * The management API's base address for the broker at `amqpUrl`:
 * `RABBITMQ_MANAGEMENT_URL` when set for that broker's host (a broker whose
 * API listens elsewhere than on 15672), else `http://HOST:15672`.
 *
 * @example
 * ```ts
 * managementUrl("amqp://localhost"); // "http://localhost:15672"
 * ```
 */
export function managementUrl(
  amqpUrl: string,
  fromEnv = Deno.env.get("RABBITMQ_MANAGEMENT_URL"),
): string {
  const { host } = urlParts(amqpUrl);
  // Another host's API is not this broker's: a --url naming another host wins over the variable.
  if (fromEnv && new URL(fromEnv).hostname.replace(/^\[|\]$/g, "") === host) {
    return fromEnv.replace(/\/$/, "");
  }
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
  /**
   * The management API's base address, e.g. `http://localhost:15672`
   * (default: {@link managementUrl} of the AMQP URL).
   */
  base?: string;
  /** The HTTP client, e.g. one that trusts a CA of your own (`Deno.createHttpClient`). */
  client?: Deno.HttpClient;
}

/** How long a call may take before it counts as failed. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Why fetch failed, from the text of its cause, as the end of a sentence. */
function fetchCause(error: unknown): string {
  const text = String((error as Error)?.cause ?? error);
  if (/Connection refused/i.test(text)) return "connection refused";
  if (/dns error|Name or service not known|failed to lookup/i.test(text)) {
    return "host not found; check the host name";
  }
  if (/certificate|UnknownIssuer/i.test(text)) {
    return `its TLS certificate is not trusted (${
      text.split(": ").pop()
    }); give the CA certificate that signed it with --ca`;
  }
  if (/invalid HTTP version|HTTP parse|SendRequest/i.test(text)) {
    return "the server there does not speak HTTP; the management API is on port 15672 (AMQP on 5672)";
  }
  if ((error as Error)?.name === "TimeoutError") {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  return text.replace(/^\w*Error: /, "").split("\n")[0];
}

/** The URL with another user and password. */
function withLogin(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.href;
}

/**
 * Calls the management API of the broker at `amqpUrl`; resolves with the
 * parsed JSON (or `undefined` for an empty answer) and throws a ProgramError whose
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
  const base = (request.base ?? managementUrl(amqpUrl)).replace(/\/$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: request.method ?? "GET",
      headers: {
        authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(request.client ? { client: request.client } : {}),
    });
  } catch (error) {
    const cause = fetchCause(error);
    const fix = cause.includes(";") // the cause says what to do
      ? ""
      : `; enable it with "rabbitmq-plugins enable rabbitmq_management" ${
        request.base === undefined ? "or set RABBITMQ_MANAGEMENT_URL" : "or check the address"
      }`;
    throw new ProgramError(`Cannot reach the management API at "${base}": ${cause}${fix}`);
  }
  const text = await response.text();
  let reason: string = response.statusText;
  try {
    reason = text ? (JSON.parse(text).reason ?? text) : reason;
  } catch {
    reason = text.slice(0, 80); // not JSON: something else answers at that address
  }
  if (response.status === 401) {
    // RabbitMQ 3.x says "Login failed" for a wrong password; 4.x says "Not_Authorized" for both
    // that and a user without the tags the API needs: an AMQP login with the same user tells.
    const wrongPassword = reason === "Login failed" ||
      (reason === "Not_Authorized" && !(await logsIn(withLogin(amqpUrl, user, password))));
    throw new ProgramError(
      wrongPassword
        ? `The management API at "${base}" refused the login of user "${user}": wrong user name or password`
        : `The management API at "${base}" refused user "${user}": wrong password, or the user lacks the "administrator" tag`,
    );
  }
  if (!response.ok) {
    throw new ProgramError(
      `The management API at "${base}" answered ${response.status} to ${
        request.method ?? "GET"
      } ${path}: ${reason}`,
    );
  }
  return text ? JSON.parse(text) : undefined;
}

/**
 * The HTTP client for a management API on https with the TLS files of the
 * AMQP URL (`--ca`, `--cert`, `--key`), for {@link ManagementRequest}'s
 * `client`; `undefined` when the URL has none (the default client).
 *
 * @example
 * ```ts
 * const client = managementClient(url);
 * await managementRequest(url, "/api/overview", { client });
 * ```
 */
export function managementClient(amqpUrl: string): Deno.HttpClient | undefined {
  const { ca, cert, key } = tlsSocketOptions(amqpUrl);
  return ca || cert || key
    ? Deno.createHttpClient({
      caCerts: ca ? [String(ca)] : undefined,
      cert: cert ? String(cert) : undefined,
      key: key ? String(key) : undefined,
    })
    : undefined;
}
