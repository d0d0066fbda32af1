import { goQuote } from './shell-lex.js';

// Go's fmt renderings the classic builder writes into history (`CMD ["a" "b"]`,
// `VOLUME [/data /cache]`, `HEALTHCHECK &{["CMD" "true"] "30s" "3s" "0s" '\x00'}`).

/** `%q` of a []string: `["a" "b"]`. */
export const goQuotedList = (items: readonly string[]): string => `[${items.map(goQuote).join(' ')}]`;

/** `%v` of a []string: `[a b]`. */
export const goPlainList = (items: readonly string[]): string => `[${items.join(' ')}]`;

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds; undefined when malformed. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') return undefined;
  let at = 0;
  re.lastIndex = 0;
  while (at < rest.length) {
    const m = re.exec(rest);
    if (!m || m.index !== at) return undefined;
    total += parseFloat(m[1]) * UNITS[m[2]];
    at = re.lastIndex;
  }
  return sign * Math.round(total);
}

/** Go's time.Duration.String (`30s`, `1m30s`, `1.5s`, `500ms`, `0s`). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = trimFraction(u / div) + unit;
  } else {
    const h = Math.floor(u / 3600e9);
    u -= h * 3600e9;
    const m = Math.floor(u / 60e9);
    u -= m * 60e9;
    const s = trimFraction(u / 1e9) + 's';
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(v: number): string {
  return String(Number(v.toFixed(9)));
}

/** `%q` of a Go int (a rune literal): `'\x00'`, `'\x03'`, `'a'`. */
export function goQuotedRune(n: number): string {
  if (n >= 0x20 && n < 0x7f && n !== 0x27 && n !== 0x5c) return `'${String.fromCharCode(n)}'`;
  if (n < 0x80) return `'\\x${n.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCodePoint(n)}'`;
}
