/**
 * Spans and points in time on the command line: `--keep 30d`,
 * `--since 7d`, `--since 2026-11-01`.
 *
 * @module
 */
import { ProgramError } from "../program_error.ts";

/** Milliseconds per unit of a duration. */
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A date (`2026-11-01`, UTC) or a date and time (`2026-11-01T09:30`, `...Z`, `...+02:00`). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Reads a duration such as `30d`, `12h` or `90m` as milliseconds; throws a
 * usage {@link ProgramError} naming the flag otherwise.
 *
 * @example
 * ```ts
 * parseDuration("keep", "30d"); // 2_592_000_000
 * ```
 */
export function parseDuration(flag: string, text: string): number {
  const match = text.trim().match(/^(\d+)\s*([mhd])$/);
  const ms = match ? Number(match[1]) * UNITS[match[2]] : NaN;
  if (!(ms > 0) || !Number.isSafeInteger(ms)) {
    throw new ProgramError(
      `Invalid value for --${flag}: "${text}" is not a duration such as 30d (days), 12h (hours) or 90m (minutes)`,
      "usage",
    );
  }
  return ms;
}

/**
 * Reads a point in time: a date or a date and time (ISO 8601; a date alone,
 * or a time without a zone, is UTC), or a duration before `now` (`7d`: seven
 * days ago). Throws a usage {@link ProgramError} naming the flag otherwise.
 *
 * @example
 * ```ts
 * parseTime("since", "2026-11-01"); // 2026-11-01T00:00:00.000Z
 * parseTime("since", "1h", new Date("2026-11-01T10:00Z")); // 2026-11-01T09:00:00.000Z
 * ```
 */
export function parseTime(flag: string, text: string, now: Date = new Date()): Date {
  const trimmed = text.trim();
  if (ISO_DATE.test(trimmed)) {
    const zoned = /[T ]\d{2}:\d{2}/.test(trimmed) && !/(Z|[+-]\d{2}:?\d{2})$/.test(trimmed)
      ? `${trimmed}Z`
      : trimmed;
    const date = new Date(zoned.replace(" ", "T"));
    if (!isNaN(date.getTime())) return date;
  }
  if (/^\d+\s*[mhd]$/.test(trimmed)) {
    return new Date(now.getTime() - parseDuration(flag, trimmed));
  }
  throw new ProgramError(
    `Invalid value for --${flag}: "${text}" is neither a date such as 2026-11-01 (or 2026-11-01T09:30Z) nor a duration such as 7d, 12h or 90m`,
    "usage",
  );
}
