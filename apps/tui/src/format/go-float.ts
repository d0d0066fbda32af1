/**
 * Go's `%.*g` verb (strconv.FormatFloat(x, 'g', precision, 64)), which the docker CLI uses
 * for sizes. JavaScript's toPrecision differs in three ways that show up on screen: it keeps
 * trailing zeros, rounds exact ties away from zero, and writes exponents as `e+3`, not `e+03`.
 */

interface Decimal {
  /** Significant digits, no leading or trailing zeros ("" for zero). */
  digits: string;
  /** Position of the decimal point relative to the digits: value = 0.digits × 10^point. */
  point: number;
}

/** The exact decimal value of a finite, non-negative double. */
function exactDecimal(value: number): Decimal {
  if (value === 0) return { digits: '', point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent: number;
  if (biasedExponent === 0) {
    exponent = -1074;
  } else {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  let text: string;
  let point: number;
  if (exponent >= 0) {
    text = (mantissa << BigInt(exponent)).toString();
    point = text.length;
  } else {
    // m × 2^-k = m × 5^k / 10^k: exact in base 10.
    text = (mantissa * 5n ** BigInt(-exponent)).toString();
    point = text.length + exponent;
  }
  return { digits: text.replace(/0+$/, ''), point };
}

/** Rounds to `count` significant digits, ties to even, as Go's decimal rounding does. */
function roundDecimal(d: Decimal, count: number): Decimal {
  if (d.digits.length <= count) return d;
  const kept = d.digits.slice(0, count);
  const rest = d.digits.slice(count);
  const first = rest.charCodeAt(0) - 48;
  const lastKeptOdd = count > 0 && (kept.charCodeAt(count - 1) - 48) % 2 === 1;
  const roundUp = first > 5 || (first === 5 && (rest.length > 1 || lastKeptOdd));
  if (!roundUp) return { digits: kept.replace(/0+$/, ''), point: d.point };
  const raised = (BigInt(kept === '' ? '0' : kept) + 1n).toString();
  if (raised.length > kept.length) return { digits: raised.slice(0, -1).replace(/0+$/, ''), point: d.point + 1 };
  return { digits: raised.replace(/0+$/, ''), point: d.point };
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i] : '0';
}

function fixedNotation(d: Decimal, decimals: number): string {
  let out = '';
  if (d.point > 0) {
    for (let i = 0; i < d.point; i++) out += digitAt(d, i);
  } else {
    out = '0';
  }
  if (decimals > 0) {
    out += '.';
    for (let i = 0; i < decimals; i++) out += digitAt(d, d.point + i);
  }
  return out;
}

function exponentNotation(d: Decimal, decimals: number): string {
  let out = digitAt(d, 0);
  if (decimals > 0) {
    out += '.';
    for (let i = 1; i <= decimals; i++) out += digitAt(d, i);
  }
  const exponent = d.digits === '' ? 0 : d.point - 1;
  const magnitude = Math.abs(exponent).toString().padStart(2, '0');
  return `${out}e${exponent < 0 ? '-' : '+'}${magnitude}`;
}

/** Formats `value` as Go's `fmt.Sprintf("%.*g", precision, value)` does. */
export function formatGoG(value: number, precision: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const negative = value < 0 || Object.is(value, -0);
  const sign = negative ? '-' : '';
  let prec = precision === 0 ? 1 : precision;
  const d = roundDecimal(exactDecimal(Math.abs(value)), prec);
  const count = d.digits.length;
  const point = d.point;
  let exponentLimit = prec;
  if (exponentLimit > count && count >= point) exponentLimit = count;
  const exponent = point - 1;
  if (exponent < -4 || exponent >= exponentLimit) {
    if (prec > count) prec = count;
    return sign + exponentNotation(d, prec - 1);
  }
  if (prec > point) prec = count;
  return sign + fixedNotation(d, Math.max(prec - point, 0));
}
