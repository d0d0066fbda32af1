import { invalid } from '../errors/index.js';
import { shellPatternMatch } from '../reference/index.js';

// .dockerignore as moby/patternmatcher reads and matches it: patterns cleaned like Go's
// filepath.Clean, `**` across directories, `!` re-including what an earlier pattern excluded,
// and a path excluded when it or any of its parent directories matches.

interface IgnorePattern {
  cleaned: string;
  exclusion: boolean;
  regex?: RegExp;
  kind: 'exact' | 'prefix' | 'suffix' | 'regexp';
}

/** Go's path.Clean. */
export function goCleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** The patterns of a .dockerignore file (moby/patternmatcher/ignorefile.ReadAll). */
export function readDockerignore(text: string): string[] {
  const out: string[] = [];
  for (let line of (text.startsWith('\ufeff') ? text.slice(1) : text).split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (line === '') continue;
    let invert = false;
    if (line.startsWith('!')) {
      invert = true;
      line = line.slice(1).trim();
    }
    if (line.length > 0) {
      line = goCleanPath(line);
      if (line.length > 1 && line.startsWith('/')) line = line.slice(1);
    }
    out.push(invert ? '!' + line : line);
  }
  return out;
}

const ESCAPED = new Set('.+()|{}$');

function compile(cleaned: string): Pick<IgnorePattern, 'kind' | 'regex'> {
  let re = '^';
  let kind: IgnorePattern['kind'] = 'exact';
  const runes = Array.from(cleaned);
  for (let i = 0, k = 0; k < runes.length; i++) {
    const ch = runes[k++];
    if (ch === '*') {
      if (runes[k] === '*') {
        k++;
        if (runes[k] === '/') k++;
        if (k >= runes.length) {
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ESCAPED.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (k < runes.length) {
        re += '\\' + runes[k++];
        kind = 'regexp';
      } else re += '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else re += ch;
  }
  if (kind !== 'regexp') return { kind };
  try {
    return { kind, regex: new RegExp(re + '$', 'u') };
  } catch {
    throw invalid('syntax error in pattern');
  }
}

/** moby/patternmatcher's PatternMatcher: which context paths a .dockerignore excludes. */
export class DockerignoreMatcher {
  private readonly patterns: IgnorePattern[] = [];

  constructor(patterns: readonly string[]) {
    for (let p of patterns) {
      p = p.trim();
      if (p === '') continue;
      p = goCleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw invalid('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      shellPatternMatch(p, '.');
      this.patterns.push({ cleaned: p, exclusion, ...compile(p) });
    }
  }

  /** True when there is nothing to exclude. */
  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** MatchesOrParentMatches: `file` (slash-separated, relative) is excluded. */
  matches(file: string): boolean {
    file = goCleanPath(file);
    if (file === '.') return false;
    const parent = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
    const parentDirs = parent.split('/');
    let matched = false;
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== matched) continue;
      let match = matchOne(pattern, file);
      if (!match && parent !== '.') {
        for (let i = 0; i < parentDirs.length && !match; i++) match = matchOne(pattern, parentDirs.slice(0, i + 1).join('/'));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}

function matchOne(p: IgnorePattern, path: string): boolean {
  switch (p.kind) {
    case 'exact':
      return path === p.cleaned;
    case 'prefix':
      return path.startsWith(p.cleaned.slice(0, -2));
    case 'suffix': {
      const suffix = p.cleaned.slice(2);
      return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp':
      return p.regex!.test(path);
  }
}
