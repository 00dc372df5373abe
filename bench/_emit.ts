// deno-lint-ignore-file no-console -- a bench prints its results
/**
 * One bench result as a JSON line on stdout, `{"bench", "value", "unit", ...extra}`: the format
 * `deno task bench` (bench/main.ts) collects.
 *
 * @param bench The result's name.
 * @param value Its value (rounded to `digits` significant digits when given).
 * @param unit Its unit (`"ratio"` for a comparison with a reference measured in the same run).
 * @param extra Fields printed beside it.
 * @param options `digits`: significant digits to keep.
 */
export function emit(
  bench: string,
  value: number,
  unit: string,
  extra: Record<string, unknown> = {},
  options: { digits?: number } = {},
): void {
  const shown = options.digits === undefined ? value : Number(value.toPrecision(options.digits));
  console.log(JSON.stringify({ bench, value: shown, unit, ...extra }));
}
