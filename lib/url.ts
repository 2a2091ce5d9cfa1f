/**
 * Reading the parts of an AMQP URL that error messages and logs talk about,
 * without ever showing its password.
 *
 * @module
 */
import { TLS_PARAMETERS } from "./tls.ts";

/** The parts of an AMQP URL that messages name. */
export interface UrlParts {
  /** Host name, without brackets for IPv6. */
  host: string;
  /** Port, with the scheme's default (5672, or 5671 for amqps). */
  port: number;
  /** User name, `guest` when the URL has none (amqplib's default). */
  user: string;
  /** Virtual host, `/` when the URL has none. */
  vhost: string;
}

/**
 * Splits an AMQP URL into the parts messages name.
 *
 * @example
 * ```ts
 * urlParts("amqp://bob:secret@example.com/%2Fshop").vhost; // "/shop"
 * ```
 */
export function urlParts(url: string): UrlParts {
  const parsed = new URL(url);
  const path = parsed.pathname.slice(1);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: Number(parsed.port) || (parsed.protocol === "amqps:" ? 5671 : 5672),
    user: parsed.username ? decodeURIComponent(parsed.username) : "guest",
    vhost: path ? decodeURIComponent(path) : "/",
  };
}

/**
 * The URL with its password replaced by `***`, safe to print.
 *
 * @example
 * ```ts
 * maskUrl("amqp://bob:secret@localhost"); // "amqp://bob:***@localhost"
 * ```
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    // The TLS file parameters come from --ca, --cert, --key: shown by those flags, not here.
    for (const name of Object.values(TLS_PARAMETERS)) parsed.searchParams.delete(name);
    return parsed.href.replace(/\/$/, "").replace(/\?$/, "");
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  }
}

/** True when the URL's host is this machine. */
export function isLocalhost(url: string): boolean {
  return ["localhost", "127.0.0.1", "::1"].includes(urlParts(url).host);
}
