import { invalid } from '../errors/index.js';

// Go's path.Match, which Docker uses for `reference=` filters. '*' and '?' never cross a
// '/'; '[...]' classes take ranges, '^' negation and '\' escapes; a malformed pattern is
// an error even when the name has already failed to match.

/** Go's path.ErrBadPattern message. */
export const ERR_BAD_PATTERN = 'syntax error in pattern';

type Runes = readonly string[];

/** True when `name` matches the shell pattern `pattern` as a whole (Go's path.Match); throws on a malformed pattern. */
export function shellPatternMatch(pattern: string, name: string): boolean {
  let pat: Runes = Array.from(pattern);
  let s: Runes = Array.from(name);
  patternLoop: while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) return !s.includes('/');
    const here = matchChunk(chunk, s);
    if (here !== undefined && (here.length === 0 || pat.length > 0)) {
      s = here;
      continue;
    }
    if (star) {
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        const t = matchChunk(chunk, s.slice(i + 1));
        if (t !== undefined) {
          if (pat.length === 0 && t.length > 0) continue;
          s = t;
          continue patternLoop;
        }
      }
    }
    // Failing: still reject a malformed remainder, as Go does.
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.rest;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(pat: Runes): { star: boolean; chunk: Runes; rest: Runes } {
  let start = 0;
  while (start < pat.length && pat[start] === '*') start++;
  const star = start > 0;
  let inRange = false;
  for (let i = start; i < pat.length; i++) {
    switch (pat[i]) {
      case '\\':
        if (i + 1 < pat.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) return { star, chunk: pat.slice(start, i), rest: pat.slice(i) };
        break;
    }
  }
  return { star, chunk: pat.slice(start), rest: [] };
}

/** Match `chunk` (no '*') against the start of `s`: the rest of `s`, or undefined on mismatch. */
function matchChunk(chunk: Runes, s: Runes): Runes | undefined {
  let failed = false;
  let c = 0;
  let i = 0;
  while (c < chunk.length) {
    if (!failed && i >= s.length) failed = true;
    const ch = chunk[c];
    if (ch === '[') {
      const r = failed ? '' : s[i++];
      c++;
      let negated = false;
      if (c < chunk.length && chunk[c] === '^') {
        negated = true;
        c++;
      }
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (c < chunk.length && chunk[c] === ']' && ranges > 0) {
          c++;
          break;
        }
        const lo = classRune(chunk, c);
        c = lo.next;
        let hi = lo;
        if (chunk[c] === '-') {
          hi = classRune(chunk, c + 1);
          c = hi.next;
        }
        if (!failed && lo.rune <= cp(r) && cp(r) <= hi.rune) matched = true;
        ranges++;
      }
      if (matched === negated) failed = true;
    } else if (ch === '?') {
      if (!failed) {
        if (s[i] === '/') failed = true;
        i++;
      }
      c++;
    } else {
      if (ch === '\\') {
        c++;
        if (c >= chunk.length) throw invalid(ERR_BAD_PATTERN);
      }
      if (!failed) {
        if (chunk[c] !== s[i]) failed = true;
        i++;
      }
      c++;
    }
  }
  return failed ? undefined : s.slice(i);
}

/** One possibly escaped rune of a character class (Go's getEsc). */
function classRune(chunk: Runes, at: number): { rune: number; next: number } {
  let c = at;
  if (c >= chunk.length || chunk[c] === '-' || chunk[c] === ']') throw invalid(ERR_BAD_PATTERN);
  if (chunk[c] === '\\') {
    c++;
    if (c >= chunk.length) throw invalid(ERR_BAD_PATTERN);
  }
  const rune = cp(chunk[c]);
  c++;
  // A class must be closed: running out of pattern here is malformed.
  if (c >= chunk.length) throw invalid(ERR_BAD_PATTERN);
  return { rune, next: c };
}

const cp = (r: string): number => r.codePointAt(0) ?? -1;
