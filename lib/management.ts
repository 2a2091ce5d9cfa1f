/**
 * Talking to RabbitMQ's management HTTP API (the management plugin), for
 * setting up users and vhosts, the monitor, the stream port, and tests.
 *
 * Which broker's API: the one of the broker at the AMQP URL in use. Its
 * address is the one given (`--management-url`, `RABBITMQ_MANAGEMENT_URL`
 * for that URL's host), else derived from the AMQP URL: the same host, the
 * AMQP port + 10,000 (5672 and 15672, as RabbitMQ's defaults, and every
 * node this project starts), `https` for `amqps`. Either way it is checked
 * before the first call: the API's listeners must include the URL's AMQP
 * port, or (a mapped port, a proxy) the broker that answers at the URL must
 * have the API's cluster name; else one sentence names both brokers and
 * the setting that fixes it, and nothing is created or read.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { logsIn } from "./connect.ts";
import { ProgramError } from "./program_error.ts";
import { tlsSocketOptions } from "./tls.ts";
import { maskUrl, urlParts } from "./url.ts";

/** The management port is the AMQP port + this: 5672 and 15672, 5671 and 15671 (TLS). */
const MANAGEMENT_PORT_OFFSET = 10_000;

/** A host for a URL: IPv6 in brackets. */
const urlHost = (host: string) => host.includes(":") ? `[${host}]` : host;

/**
 * The management API derived from the AMQP URL: its host, the AMQP port +
 * 10,000, `https` for `amqps`.
 *
 * @example
 * ```ts
 * derivedManagementUrl("amqp://localhost:5674"); // "http://localhost:15674"
 * ```
 */
export function derivedManagementUrl(amqpUrl: string): string {
  const { host, port } = urlParts(amqpUrl);
  const scheme = new URL(amqpUrl).protocol === "amqps:" ? "https" : "http";
  return `${scheme}://${urlHost(host)}:${port + MANAGEMENT_PORT_OFFSET}`;
}

/**
 * The management API's base address for the broker at `amqpUrl`:
 * `RABBITMQ_MANAGEMENT_URL` when set for that broker's host, else
 * {@link derivedManagementUrl}. Not checked: {@link managementRequest} and
 * {@link checkedManagementUrl} check it.
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
  return derivedManagementUrl(amqpUrl);
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
  /**
   * The management API's port on the AMQP URL's host, e.g. 15681 for a
   * node of `deno task cluster` (default: {@link managementUrl}'s address).
   */
  port?: number;
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
    return "the server there does not speak HTTP; the management API is on the AMQP port + 10,000 (15672 for 5672)";
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
 * message is one sentence for a refused or failed call. The first call to
 * an API checks that it is the one of that broker ({@link checkedManagementUrl}).
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
  await brokerOverview(amqpUrl, request);
  return await call(amqpUrl, path, request);
}

/** A listener of a node, as the management API's overview lists it. */
export interface Listener {
  node: string;
  /** `amqp`, `amqp/ssl`, `stream`, `stream/ssl`, `http`, `clustering`, ... */
  protocol: string;
  port: number;
}

/** What the management API says of its broker, once checked to be the broker at the AMQP URL. */
export interface BrokerOverview {
  /** The API's base address. */
  base: string;
  /** The broker's cluster name (by default its first node's name, e.g. `rabbit@host`). */
  clusterName: string;
  /** Its RabbitMQ version, e.g. "4.3.6". */
  version: string;
  /** The listeners of all its nodes. */
  listeners: Listener[];
  /**
   * True when the listeners include the AMQP URL's port: the URL reaches
   * the broker's own port, not a mapped one (Docker) or a proxy.
   */
  direct: boolean;
}

/** A management API that belongs to another broker than the AMQP URL's. */
export class OtherBrokerError extends ProgramError {}

/** The checks done, by API and AMQP address: each is done once per program. */
const checks = new Map<string, Promise<BrokerOverview>>();

/**
 * The overview of the broker at `amqpUrl` from its management API (at
 * `request.base`, else {@link managementUrl}), checked to be that broker's:
 * the listeners include the URL's AMQP port, or the broker that answers at
 * the URL has the API's cluster name. Throws {@link OtherBrokerError} when
 * the API belongs to another broker, and the call's sentence when the API
 * does not answer or refuses.
 *
 * @example
 * ```ts
 * const { listeners } = await brokerOverview("amqp://localhost:5674");
 * ```
 */
export function brokerOverview(
  amqpUrl: string,
  request: ManagementRequest = {},
): Promise<BrokerOverview> {
  const base = (request.base ?? managementUrl(amqpUrl)).replace(/\/$/, "");
  const { host, port } = urlParts(amqpUrl);
  const key = `${base} ${new URL(amqpUrl).protocol}//${host}:${port}`;
  let check = checks.get(key);
  if (!check) {
    const { user, password, client } = request; // not its method or body: the check GETs
    check = checkOverview(amqpUrl, { user, password, client, base }, request.base !== undefined);
    checks.set(key, check);
    check.catch(() => checks.delete(key)); // a refused login, say: the next call asks again
  }
  return check;
}

/**
 * The management API of the broker at `amqpUrl`, checked
 * ({@link brokerOverview}): its base address, e.g. `http://localhost:15674`.
 *
 * @example
 * ```ts
 * console.log(`Management API: ${await checkedManagementUrl(url)}`);
 * ```
 */
export async function checkedManagementUrl(
  amqpUrl: string,
  request: ManagementRequest = {},
): Promise<string> {
  return (await brokerOverview(amqpUrl, request)).base;
}

/**
 * The management UI of the broker at `amqpUrl`, for people: its address
 * when it answers as that broker's, the address it would have when it does
 * not answer (the plugin off, the broker starting); throws
 * {@link OtherBrokerError} when another broker answers there.
 */
export async function managementUi(amqpUrl: string): Promise<string> {
  try {
    return await checkedManagementUrl(amqpUrl);
  } catch (error) {
    if (error instanceof OtherBrokerError) throw error;
    return `${managementUrl(amqpUrl)} (not answering now)`;
  }
}

/** The overview, checked; `given`: the base came from the caller (`--management-url`). */
async function checkOverview(
  amqpUrl: string,
  request: ManagementRequest & { base: string },
  given: boolean,
): Promise<BrokerOverview> {
  const overview = await call(
    amqpUrl,
    "/api/overview?columns=cluster_name,rabbitmq_version,product_version,listeners",
    request,
  ) as {
    cluster_name: string;
    rabbitmq_version?: string;
    product_version?: string;
    listeners?: Listener[];
  };
  const found: BrokerOverview = {
    base: request.base,
    clusterName: overview.cluster_name,
    version: overview.rabbitmq_version ?? overview.product_version ?? "",
    listeners: overview.listeners ?? [],
    direct: false,
  };
  const { port } = urlParts(amqpUrl);
  const amqp = new URL(amqpUrl).protocol === "amqps:" ? "amqp/ssl" : "amqp";
  const amqpPorts = found.listeners.filter((l) => l.protocol === amqp).map((l) => l.port);
  found.direct = amqpPorts.includes(port);
  if (found.direct) return found;
  // A mapped port or a proxy: the broker that answers at the URL says its cluster name.
  let server: ServerProperties;
  try {
    server = await serverProperties(amqpUrl);
  } catch (error) {
    throw new ProgramError(
      `Cannot check that the management API at "${request.base}" is the one of the broker at "${
        maskUrl(amqpUrl)
      }": ${
        (error as Error).message
      } there, and the API lists no AMQP listener on port ${port}; check the URL (--url, AMQP_URL)`,
    );
  }
  if (server.cluster_name === found.clusterName) return found;
  const other = `RabbitMQ ${found.version}, cluster "${found.clusterName}", AMQP port ${
    [...new Set(amqpPorts)].join(" and ") || "none"
  }`;
  const derived = derivedManagementUrl(amqpUrl);
  const fix = given
    ? `give that broker's management API with --management-url (by default the AMQP port + 10,000: ${derived})`
    : request.base === derived
    ? "set RABBITMQ_MANAGEMENT_URL to that broker's management API"
    : `set RABBITMQ_MANAGEMENT_URL to that broker's management API, or unset it for ${derived} (the AMQP port + 10,000)`;
  throw new OtherBrokerError(
    `The management API at "${request.base}" is another broker's (${other}), not the one's at "${
      maskUrl(amqpUrl)
    }" (RabbitMQ ${server.version ?? "?"}, cluster "${server.cluster_name ?? "?"}"); ${fix}`,
  );
}

/** A broker's server properties, as it sends them when an AMQP connection opens. */
interface ServerProperties {
  cluster_name?: string;
  version?: string;
  product?: string;
}

/** How long the broker at an AMQP URL has to say who it is. */
const HANDSHAKE_TIMEOUT_MS = 5_000;

/**
 * The server properties of the broker at `amqpUrl`, from the start of the
 * AMQP handshake (Connection.Start), without logging in: a socket (TLS for
 * `amqps`, with the URL's certificate files), the protocol header, the
 * broker's first frame; then the socket is closed.
 */
function serverProperties(amqpUrl: string): Promise<ServerProperties> {
  const { host, port } = urlParts(amqpUrl);
  const options = { host, port, ...(tlsSocketOptions(amqpUrl) as Record<string, unknown>) };
  const secure = new URL(amqpUrl).protocol === "amqps:";
  const socket = secure
    ? tls.connect({ ...options, servername: net.isIP(host) ? undefined : host })
    : net.connect(options);
  return new Promise<ServerProperties>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const fail = (reason: string) => reject(new Error(reason));
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => fail("no answer in time"));
    socket.on(
      "error",
      (error: { code?: string; message: string }) =>
        fail(error.code === "ECONNREFUSED" ? "connection refused" : error.message),
    );
    socket.on("close", () => fail("the connection closed before the broker said who it is"));
    socket.on(secure ? "secureConnect" : "connect", () => {
      socket.write(Buffer.from([65, 77, 81, 80, 0, 0, 9, 1])); // "AMQP" 0-9-1
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 7) return;
      if (received[0] !== 1) return fail("not AMQP 0-9-1");
      const size = received.readUInt32BE(3);
      if (received.length < 7 + size) return;
      // Connection.Start: class 10, method 10, version major and minor, then the properties.
      resolve(readStringFields(received.subarray(7 + 4 + 2, 7 + size)));
    });
  }).finally(() => socket.destroy());
}

/**
 * The string fields of an AMQP field table (a 4-byte size, then name, type
 * and value for each field) at the start of `bytes`; the others are skipped.
 */
function readStringFields(bytes: Uint8Array): ServerProperties {
  const buffer = Buffer.from(bytes);
  const end = 4 + buffer.readUInt32BE(0);
  const fields: Record<string, string> = {};
  // The sizes of the fixed-size types RabbitMQ sends; S (string), F (table), A (array) and x
  // (bytes) have a 4-byte size first.
  const sizes: Record<string, number> = { t: 1, b: 1, B: 1, s: 2, u: 2, I: 4, i: 4, f: 4, D: 5 };
  for (let at = 4; at < end;) {
    const name = buffer.toString("utf8", at + 1, at + 1 + buffer[at]);
    at += 1 + buffer[at];
    const type = String.fromCharCode(buffer[at++]);
    if ("SFAx".includes(type)) {
      const length = buffer.readUInt32BE(at);
      if (type === "S") fields[name] = buffer.toString("utf8", at + 4, at + 4 + length);
      at += 4 + length;
    } else if (type in sizes) at += sizes[type];
    else if ("lLdT".includes(type)) at += 8;
    else if (type === "V") continue;
    else break; // a type we do not know: its size neither
  }
  return fields;
}

/** One call to the API at `request.base`, else {@link managementUrl}, unchecked. */
async function call(
  amqpUrl: string,
  path: string,
  request: ManagementRequest,
): Promise<unknown> {
  const parsed = new URL(amqpUrl);
  const user = request.user ?? (decodeURIComponent(parsed.username) || "guest");
  const password = request.password ?? (decodeURIComponent(parsed.password) || "guest");
  const base = (request.base ??
    (request.port === undefined
      ? managementUrl(amqpUrl)
      : `http://${urlHost(urlParts(amqpUrl).host)}:${request.port}`)).replace(/\/$/, "");
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
        request.base === undefined && request.port === undefined
          ? "or set RABBITMQ_MANAGEMENT_URL"
          : "or check the address"
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
    // RabbitMQ 3.x says "Login failed" for a wrong password, 4.x "Not_Authorized"; should a 4.x
    // version say that to a right password too (4.0.5 and 4.3.6 name the missing tag, below), an
    // AMQP login with the same user tells the two apart.
    const wrongPassword = reason === "Login failed" ||
      (reason === "Not_Authorized" && !(await logsIn(withLogin(amqpUrl, user, password))));
    // Past the login, 3.10, 4.0 and 4.3 name the tag the call needs: "Not management user" (reading),
    // "Not administrator user" (users, vhosts, permissions), "Not monitor user" (nodes).
    const tag = /^Not (\w+) user$/.exec(reason)?.[1].replace(/^monitor$/, "monitoring");
    throw new ProgramError(
      wrongPassword
        ? `The management API at "${base}" refused the login of user "${user}": wrong user name or password`
        : `The management API at "${base}" refused user "${user}": ${
          tag ? `the user lacks the "${tag}" tag, which this call needs` : reason
        }`,
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
