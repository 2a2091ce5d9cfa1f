/**
 * A series of numbers as a one-line bar graph in the terminal.
 *
 * @module
 */

/** The bars, from the lowest (a value of 0) to the highest (the scale's top). */
export const BARS = "▁▂▃▄▅▆▇█";

/** Options for {@link sparkline}. */
export interface SparklineOptions {
  /** The value a full bar stands for (default: the highest value, at least 1). */
  max?: number;
  /** Characters per value (default 1), to stretch a short series. */
  repeat?: number;
}

/**
 * Draws `values` as bars, one character each (or `repeat`): `▁` for 0 up to
 * `█` for `max`; a value above `max` is a full bar, a value below 0 or not a
 * number the lowest.
 *
 * @example
 * ```ts
 * sparkline([0, 5, 10], { max: 10 }); // "▁▅█"
 * ```
 */
export function sparkline(values: number[], options: SparklineOptions = {}): string {
  const max = options.max ?? Math.max(1, ...values);
  const top = BARS.length - 1;
  return values.map((value) => {
    const share = Number.isFinite(value) && max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
    // Any traffic at all shows above the floor.
    const level = share === 0 ? 0 : Math.max(1, Math.round(share * top));
    return BARS[level].repeat(options.repeat ?? 1);
  }).join("");
}
