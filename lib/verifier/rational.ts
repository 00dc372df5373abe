/**
 * Exact rational numbers over BigInt, and the fast path that reads plain number literals
 * (integers, decimals, fractions, mixed numbers, base-n numerals, repeating decimals) without
 * any LaTeX parser. Comparing two exact answers this way never needs a tolerance, so
 * `1112112` and `1112122` are always different.
 *
 * @module
 */

/** An exact rational `num / den` in lowest terms with `den > 0`. */
export type Rational = { readonly num: bigint; readonly den: bigint };

/** Largest number of digits a literal may have before it is refused (bounds BigInt work). */
const MAX_LITERAL_DIGITS = 2_000;

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Builds a rational in lowest terms.
 *
 * @param num The numerator.
 * @param den The denominator, non-zero.
 * @returns The reduced rational, or `null` when `den` is zero.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(rational(6n, -4n), { num: -3n, den: 2n });
 * ```
 */
export function rational(num: bigint, den: bigint = 1n): Rational | null {
  if (den === 0n) return null;
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

/**
 * a + b.
 *
 * @param a A rational.
 * @param b A rational.
 * @returns The sum, in lowest terms.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(addRational(rational(1n, 2n)!, rational(1n, 3n)!), { num: 5n, den: 6n });
 * ```
 */
export function addRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den)!;
}

/**
 * a · b.
 *
 * @param a A rational.
 * @param b A rational.
 * @returns The product, in lowest terms.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(mulRational(rational(2n, 3n)!, rational(3n, 4n)!), { num: 1n, den: 2n });
 * ```
 */
export function mulRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den)!;
}

/**
 * a / b.
 *
 * @param a A rational.
 * @param b A rational.
 * @returns The quotient, or `null` when b is zero.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(divRational(rational(1n)!, rational(0n)!), null);
 * ```
 */
export function divRational(a: Rational, b: Rational): Rational | null {
  return rational(a.num * b.den, a.den * b.num);
}

/**
 * Whether two rationals are equal (both are kept in lowest terms, so the fields compare).
 *
 * @param a A rational.
 * @param b A rational.
 * @returns True when a = b.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isRationalEqual(rational(2n, 4n)!, rational(1n, 2n)!), true);
 * ```
 */
export function isRationalEqual(a: Rational, b: Rational): boolean {
  return a.num === b.num && a.den === b.den;
}

/**
 * The nearest double to a rational, or `null` when no double carries its value: a magnitude
 * beyond the double range (it would overflow to ±Infinity, and `1e309` would then compare equal
 * to `\infty` or to `2e309`), or a non-zero value that would underflow to 0.
 *
 * @param a A rational.
 * @returns Its floating-point value, or `null` when it overflows or underflows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(rationalToNumber(rational(3n, 4n)!), 0.75);
 * assert.equal(rationalToNumber(rational(10n ** 309n, 1n)!), null);
 * ```
 */
export function rationalToNumber(a: Rational): number | null {
  const n = Number(a.num), d = Number(a.den);
  let value: number;
  if (Number.isFinite(n) && Number.isFinite(d)) {
    value = n / d;
  } else {
    // Both huge: scale down by a common power of ten before dividing.
    const shift = BigInt(Math.max(a.num.toString().length, a.den.toString().length) - 300);
    const scale = 10n ** (shift > 0n ? shift : 0n);
    value = Number(a.num / scale) / Number(a.den / scale);
  }
  if (!Number.isFinite(value) || (value === 0 && a.num !== 0n)) return null;
  return value;
}

/**
 * Integer square root of a non-negative BigInt (floor).
 *
 * @param n A non-negative integer.
 * @returns ⌊√n⌋.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(bigintSqrt(10n ** 40n + 1n), 10n ** 20n);
 * ```
 */
export function bigintSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (x === 0n) x = 1n;
  // Newton iterations from a float estimate converge in a few steps even for huge n.
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) {
      while (x * x > n) x--;
      while ((x + 1n) * (x + 1n) <= n) x++;
      return x;
    }
    x = y;
  }
}

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function parseBaseDigits(digits: string, base: number): bigint | null {
  let value = 0n;
  const b = BigInt(base);
  for (const ch of digits.toUpperCase()) {
    const d = DIGITS.indexOf(ch);
    if (d < 0 || d >= base) return null;
    value = value * b + BigInt(d);
  }
  return value;
}

function parseDecimal(text: string): Rational | null {
  // [-]int[.frac][e[+-]exp] or repeating decimal int.frac\overline{rep}
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:\\overline\{(\d+)\})?(?:e([+-]?\d{1,4}))?$/i.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "" && m[4] === undefined)) return null;
  const [, sign, whole, frac = "", repeat, exp] = m;
  if (whole.length + frac.length > MAX_LITERAL_DIGITS) return null;
  let value = rational(BigInt(whole + frac || "0"), 10n ** BigInt(frac.length))!;
  if (repeat !== undefined) {
    // 0.ab(cd)… = 0.ab + cd / (99 · 10^|ab|)
    const tail = rational(
      BigInt(repeat),
      (10n ** BigInt(repeat.length) - 1n) * 10n ** BigInt(frac.length),
    )!;
    value = addRational(value, tail);
  }
  if (exp !== undefined) {
    const e = Number(exp);
    value = mulRational(
      value,
      e >= 0 ? rational(10n ** BigInt(e))! : rational(1n, 10n ** BigInt(-e))!,
    );
  }
  return sign === "-" ? rational(-value.num, value.den) : value;
}

/**
 * Reads a plain number literal exactly: `42`, `-004`, `3.25`, `1.5e3`, `3/4`, `-\frac{3}{4}`,
 * `\frac34`, `6\frac{3}{4}` (a mixed number, 27/4), `1011_2` / `152A_{11}` (base-n numerals),
 * `0.\overline{3}` (repeating decimal). This is the verifier's fast path: no LaTeX parser runs.
 *
 * @param text A normalised answer (no spaces, no `$`).
 * @returns The exact value, or `null` when `text` is not such a literal.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseRationalLiteral("\\frac{6}{8}"), { num: 3n, den: 4n });
 * assert.deepEqual(parseRationalLiteral("1011_2"), { num: 11n, den: 1n });
 * assert.equal(parseRationalLiteral("x+1"), null);
 * ```
 */
export function parseRationalLiteral(text: string): Rational | null {
  if (text.length === 0 || text.length > MAX_LITERAL_DIGITS) return null;
  const decimal = parseDecimal(text);
  if (decimal) return decimal;
  let m = /^(-?)\\frac(?:\{(-?\d+)\}|(\d))(?:\{(-?\d+)\}|(\d))$/.exec(text);
  if (m) {
    const r = rational(BigInt(m[2] ?? m[3]), BigInt(m[4] ?? m[5]));
    return r && m[1] === "-" ? rational(-r.num, r.den) : r;
  }
  m = /^(-?)(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(text);
  if (m) {
    const r = divRational(parseDecimal(m[2])!, parseDecimal(m[3])!);
    return r && m[1] === "-" ? rational(-r.num, r.den) : r;
  }
  m = /^(-?)(\d+)\\frac(?:\{(\d+)\}|(\d))(?:\{(\d+)\}|(\d))$/.exec(text);
  const [fracNum, fracDen] = m ? [BigInt(m[3] ?? m[4]), BigInt(m[5] ?? m[6])] : [0n, 0n];
  if (m && fracNum < fracDen) {
    // A mixed number as MATH writes it: 6\frac{3}{4} = 6 + 3/4.
    const r = addRational(rational(BigInt(m[2]))!, rational(fracNum, fracDen)!);
    return m[1] === "-" ? rational(-r.num, r.den) : r;
  }
  m = /^(-?)([0-9A-Z]+)(?:\.([0-9A-Z]+))?_\{?(\d{1,2})\}?$/.exec(text);
  if (m) {
    const base = Number(m[4]);
    if (base < 2 || base > 36) return null;
    const whole = parseBaseDigits(m[2], base);
    const frac = m[3] === undefined ? 0n : parseBaseDigits(m[3], base);
    if (whole === null || frac === null) return null;
    const scale = BigInt(base) ** BigInt(m[3]?.length ?? 0);
    const r = rational(whole * scale + frac, scale)!;
    return m[1] === "-" ? rational(-r.num, r.den) : r;
  }
  return null;
}
