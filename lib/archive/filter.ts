/**
 * Which archived messages a program reads: the flags `archive:query` and
 * `archive:replay` share, and the {@link ArchiveFilter} they give.
 *
 * @module
 */
import type { ArchiveFilter } from "./archive_db.ts";
import { type OptionSpec, wholeNumber } from "../cli.ts";
import { parseTime } from "./duration.ts";

/** The flags, for a program's `cli()` options. */
export const FILTER_OPTIONS = {
  since: { description: "from this time: a date (2026-11-01, UTC), or a while ago (1h, 7d)" },
  until: { description: "before this time, written as for --since" },
  author: {
    description: "only the posts whose author contains this text, in any case (ada: Ada, Adam)",
  },
  limit: { description: "at most this many messages" },
  db: { default: "archive.db", description: "the SQLite database file" },
} satisfies Record<string, OptionSpec>;

/**
 * The filter the flags' values ask for; throws a usage `ProgramError` for
 * a time or a number it cannot read.
 *
 * @example
 * ```ts
 * archiveFilter({ since: "7d", author: "ada" }); // { since: <7 days ago>, author: "ada", ... }
 * ```
 */
export function archiveFilter(
  values: { since?: string; until?: string; author?: string; limit?: string },
): ArchiveFilter {
  return {
    since: values.since === undefined ? undefined : parseTime("since", values.since),
    until: values.until === undefined ? undefined : parseTime("until", values.until),
    author: values.author,
    limit: values.limit === undefined ? undefined : wholeNumber("limit", values.limit, 1),
  };
}
