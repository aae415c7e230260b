/** Exact rational numbers on bigint, always reduced, denominator > 0. */
export class Rational {
  private constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  static readonly ZERO = new Rational(0n, 1n);
  static readonly ONE = new Rational(1n, 1n);

  static of(num: bigint, den: bigint = 1n): Rational {
    if (den === 0n) throw new RangeError('zero denominator');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num < 0n ? -num : num, den);
    return g === 1n ? new Rational(num, den) : new Rational(num / g, den / g);
  }

  static int(n: number | bigint): Rational {
    return new Rational(BigInt(n), 1n);
  }

  /** Parses `123`, `-1.50`, `.5`, `1e3` (no thousands separators; callers strip them). */
  static parseDecimal(text: string): Rational | null {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/.exec(text);
    if (!m) return null;
    const [, sign, intPart = '', frac = '', exp] = m;
    if (intPart === '' && frac === '') return null;
    let num = BigInt((intPart || '0') + frac);
    let den = 10n ** BigInt(frac.length);
    if (exp !== undefined) {
      const e = Number(exp);
      if (e >= 0) num *= 10n ** BigInt(e);
      else den *= 10n ** BigInt(-e);
    }
    return Rational.of(sign === '-' ? -num : num, den);
  }

  add(o: Rational): Rational {
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Rational): Rational {
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Rational): Rational {
    return Rational.of(this.num * o.num, this.den * o.den);
  }
  div(o: Rational): Rational {
    return Rational.of(this.num * o.den, this.den * o.num);
  }
  neg(): Rational {
    return new Rational(-this.num, this.den);
  }
  isZero(): boolean {
    return this.num === 0n;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }
  equals(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }
  cmp(o: Rational): number {
    const d = this.num * o.den - o.num * this.den;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  /** Integer powers only; the caller bounds |e| so the result stays small. */
  pow(e: bigint): Rational {
    if (e < 0n) return Rational.ONE.div(this.pow(-e));
    return Rational.of(this.num ** e, this.den ** e);
  }
  /** Size in bits, used to refuse runaway exact arithmetic. */
  bits(): number {
    return bitLen(this.num) + bitLen(this.den);
  }
  /** True when the decimal expansion terminates (denominator has only factors 2 and 5). */
  isTerminating(): boolean {
    let d = this.den;
    while (d % 2n === 0n) d /= 2n;
    while (d % 5n === 0n) d /= 5n;
    return d === 1n;
  }
  toNumber(): number {
    const n = Number(this.num);
    const d = Number(this.den);
    if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
    // Scale both down keeping the ratio for huge values.
    const shift = BigInt(Math.max(0, Math.max(bitLen(this.num), bitLen(this.den)) - 1000));
    return Number(this.num >> shift) / Number(this.den >> shift);
  }
  toString(): string {
    return this.den === 1n ? `${this.num}` : `${this.num}/${this.den}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

function bitLen(x: bigint): number {
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + parseInt(hex[0]!, 16).toString(2).length;
}
