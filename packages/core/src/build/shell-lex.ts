import { invalid } from '../errors/index.js';

// A port of BuildKit's shell lexer (frontend/dockerfile/shell/lex.go): word splitting and
// variable expansion the way a Dockerfile does it, which is close to but not quite POSIX sh
// (no command substitution, no bracket expressions, '\' only escapes a few chars in "...").

/** Variables the lexer may read: `get` answers undefined for an unset name. */
export interface ShellVariables {
  get(name: string): string | undefined;
}

/** How the lexer treats quotes, escapes and unset variables (BuildKit's Lex fields). */
export interface ShellLexOptions {
  escapeToken?: string;
  rawQuotes?: boolean;
  rawEscapes?: boolean;
  skipProcessQuotes?: boolean;
  skipUnsetEnv?: boolean;
}

/** The expanded word, its split words and the variable names it read (set and unset). */
export interface ShellWordResult {
  result: string;
  words: string[];
  matched: Set<string>;
  unmatched: Set<string>;
}

const EOF = '';

/** Variables from `KEY=value` strings, as BuildKit's EnvsFromSlice (a later key wins). */
export function variablesFromList(env: readonly string[]): ShellVariables {
  const map = new Map<string, string>();
  for (const e of env) {
    const i = e.indexOf('=');
    if (i < 0) map.set(e, '');
    else map.set(e.slice(0, i), e.slice(i + 1));
  }
  return { get: (name) => map.get(name) };
}

/** Go's unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  switch (ch) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case '\u0085':
    case '\u00a0':
      return true;
  }
  return ch.length > 0 && ch.charCodeAt(0) > 0xff && /^\s$/u.test(ch) && ch !== '\ufeff';
}

class RuneScanner {
  private i = 0;
  constructor(private readonly runes: readonly string[]) {}
  peek(): string {
    return this.i < this.runes.length ? this.runes[this.i] : EOF;
  }
  next(): string {
    return this.i < this.runes.length ? this.runes[this.i++] : EOF;
  }
}

class WordCollector {
  buf = '';
  words: string[] = [];
  inWord = false;
  addChar(ch: string): void {
    const space = isGoSpace(ch);
    if (space && this.inWord) {
      if (this.buf.length !== 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
    } else if (!space) this.addRawChar(ch);
  }
  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }
  getWords(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  private rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly escape: string;

  constructor(
    private readonly scanner: RuneScanner,
    private readonly env: ShellVariables,
    private readonly options: ShellLexOptions,
  ) {
    this.rawEscapes = options.rawEscapes ?? false;
    this.escape = options.escapeToken ?? '\\';
  }

  process(source: string): { result: string; words: string[] } {
    try {
      return this.processStopOn(EOF, this.rawEscapes);
    } catch (e) {
      if (e instanceof LexError) throw invalid(`failed to process ${goQuote(source)}: ${e.message}`);
      throw e;
    }
  }

  private processStopOn(stopChar: string, rawEscapes: boolean): { result: string; words: string[] } {
    let result = '';
    const words = new WordCollector();
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.scanner.peek() !== EOF) {
        let ch = this.scanner.peek();
        if (stopChar !== EOF && ch === stopChar) {
          this.scanner.next();
          return { result, words: words.getWords() };
        }
        const special = this.special(ch);
        if (special) {
          const tmp = special();
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
        } else {
          ch = this.scanner.next();
          if (ch === this.escape) {
            if (this.rawEscapes) {
              words.addRawChar(ch);
              result += ch;
            }
            ch = this.scanner.next();
            if (ch === EOF) break;
            words.addRawChar(ch);
          } else {
            words.addChar(ch);
          }
          result += ch;
        }
      }
      if (stopChar !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stopChar}`);
      return { result, words: words.getWords() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private special(ch: string): (() => string) | undefined {
    if (ch === '$') return () => this.processDollar();
    if (ch === '<') return () => this.processPossibleHeredoc();
    if (!this.options.skipProcessQuotes) {
      if (ch === "'") return () => this.processSingleQuote();
      if (ch === '"') return () => this.processDoubleQuote();
    }
    return undefined;
  }

  private processSingleQuote(): string {
    let result = '';
    let ch = this.scanner.next();
    if (this.options.rawQuotes) result += ch;
    for (;;) {
      ch = this.scanner.next();
      if (ch === EOF) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.options.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = '';
    const open = this.scanner.next();
    if (this.options.rawQuotes) result += open;
    for (;;) {
      const peek = this.scanner.peek();
      if (peek === EOF) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        const ch = this.scanner.next();
        if (this.options.rawQuotes) result += ch;
        return result;
      }
      if (peek === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.scanner.next();
      if (ch === this.escape) {
        if (this.rawEscapes) result += ch;
        const after = this.scanner.peek();
        if (after === EOF) continue;
        if (after === '"' || after === '$' || after === this.escape) ch = this.scanner.next();
      }
      result += ch;
    }
  }

  private processDollar(): string {
    this.scanner.next();
    if (this.scanner.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.scanner.next();
    const first = this.scanner.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.scanner.next();
    let chs = ch;
    let nullIsUnset = false;
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.scanner.next();
      chs += ch;
    }
    if (ch === '+' || ch === '-' || ch === '?' || ch === '#' || ch === '%') {
      const raw = ch === '#' || ch === '%';
      if (nullIsUnset && raw) throw new LexError(`unsupported modifier (${chs}) in substitution`);
      let word: string;
      try {
        word = this.processStopOn('}', raw).result;
      } catch (e) {
        if (this.scanner.peek() === EOF) throw new LexError("syntax error: missing '}'");
        throw e;
      }
      const value = this.getEnv(name);
      const set = value !== undefined;
      if (this.options.skipUnsetEnv && !set) return `\${${name}${chs}${word}}`;
      switch (ch) {
        case '-':
          return !set || (nullIsUnset && value === '') ? word : value;
        case '+':
          return !set || (nullIsUnset && value === '') ? '' : word;
        case '?':
          if (!set) throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
          if (nullIsUnset && value === '') throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
          return value;
        default: {
          let greedy = false;
          if (word.length > 0 && word[0] === ch) {
            greedy = true;
            word = word.slice(1);
          }
          return ch === '%' ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy);
        }
      }
    }
    if (ch === '/') {
      const replaceAll = this.scanner.peek() === '/';
      if (replaceAll) this.scanner.next();
      let pattern: string;
      try {
        pattern = this.processStopOn('/', true).result;
      } catch (e) {
        if (this.scanner.peek() === EOF) throw new LexError("syntax error: missing '/' in ${}");
        throw e;
      }
      let replacement: string;
      try {
        replacement = this.processStopOn('}', true).result;
      } catch (e) {
        if (this.scanner.peek() === EOF) throw new LexError("syntax error: missing '}'");
        throw e;
      }
      const value = this.getEnv(name);
      if (this.options.skipUnsetEnv && value === undefined) return `\${${name}/${pattern}/${replacement}}`;
      const re = shellPatternRegex(pattern, true, false, replaceAll);
      const v = value ?? '';
      if (replaceAll) return v.replace(re, () => replacement);
      const m = re.exec(v);
      return m ? v.slice(0, m.index) + replacement + v.slice(m.index + m[0].length) : v;
    }
    throw new LexError(`unsupported modifier (${chs}) in substitution`);
  }

  private processName(): string {
    let name = '';
    while (this.scanner.peek() !== EOF) {
      const ch = this.scanner.peek();
      if (name.length === 0 && /^\p{Nd}$/u.test(ch)) {
        while (this.scanner.peek() !== EOF && /^\p{Nd}$/u.test(this.scanner.peek())) name += this.scanner.next();
        return name;
      }
      if (name.length === 0 && '@*#?-$!0'.includes(ch)) return this.scanner.next();
      if (!/^[\p{L}\p{Nd}_]$/u.test(ch)) break;
      name += this.scanner.next();
    }
    return name;
  }

  private processPossibleHeredoc(): string {
    this.scanner.next();
    if (this.scanner.peek() !== '<') return '<';
    this.scanner.next();
    let space = '';
    while (this.scanner.peek() === '\t' || this.scanner.peek() === '\r' || this.scanner.peek() === ' ') space += this.scanner.next();
    return '<<' + space;
  }

  private getEnv(name: string): string | undefined {
    const v = this.env.get(name);
    if (v !== undefined) this.matched.add(name);
    else this.unmatched.add(name);
    return v;
  }
}

class LexError extends Error {}

/** Expands variables in `word` and splits it into words, as BuildKit's shell lexer does. */
export function shellLex(word: string, env: ShellVariables, options: ShellLexOptions = {}): ShellWordResult {
  const sw = new ShellWord(new RuneScanner(Array.from(word)), env, options);
  const { result, words } = sw.process(word);
  return { result, words, matched: sw.matched, unmatched: sw.unmatched };
}

/** BuildKit's ProcessWord: the expanded word, with spaces kept. */
export function expandWord(word: string, env: ShellVariables, options: ShellLexOptions = {}): string {
  return shellLex(word, env, options).result;
}

/** BuildKit's ProcessWords: the expanded word split into words after expansion. */
export function expandWords(word: string, env: ShellVariables, options: ShellLexOptions = {}): string[] {
  return shellLex(word, env, options).words;
}

/** BuildKit's convertShellPatternToRegex source (exported for its own tests). */
export function shellPatternRegexSource(pattern: string, greedy: boolean, anchored: boolean): string {
  const runes = Array.from(pattern);
  let out = anchored ? '^' : '';
  const star = greedy ? '.*' : '.*?';
  for (let i = 0; i < runes.length; i++) {
    let tok = runes[i];
    switch (tok) {
      case '*':
        out += star;
        continue;
      case '?':
        out += '.';
        continue;
      case '\\': {
        const peek = runes[i + 1];
        if (peek === '}' || peek === '/') continue;
        out += '\\';
        i++;
        tok = runes[i] ?? EOF;
        if (tok !== '*' && tok !== '?' && tok !== '\\') throw new LexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${tok}'`);
        break;
      }
      case '[':
      case ']':
      case '{':
      case '}':
      case '.':
      case '+':
      case '(':
      case ')':
      case '|':
      case '^':
      case '$':
        out += '\\';
        break;
    }
    out += tok;
  }
  return out;
}

function shellPatternRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  return new RegExp(shellPatternRegexSource(pattern, greedy, anchored), global ? 'gu' : 'u');
}

function trimPrefix(word: string, value: string, greedy: boolean): string {
  const m = shellPatternRegex(word, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/** Reverses a pattern keeping each escape before the char it escapes (a\*c -> c\*a). */
export function reverseShellPattern(pattern: string): string {
  const runes = Array.from(pattern);
  const out: string[] = new Array<string>(runes.length);
  const last = runes.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = runes[i];
    const at = last - i;
    if (tok === '\\' && i !== last) {
      out[at - 1] = tok;
      out[at] = runes[i + 1];
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join('');
}

function reverseRunes(s: string): string {
  return Array.from(s).reverse().join('');
}

function trimSuffix(pattern: string, word: string, greedy: boolean): string {
  return reverseRunes(trimPrefix(reverseShellPattern(pattern), reverseRunes(word), greedy));
}

/** Go's strconv.Quote: a double-quoted string with Go escapes for non-printable runes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) {
      out += ch;
    } else if (cp < 0x80) {
      out += '\\x' + cp.toString(16).padStart(2, '0');
    } else if (cp < 0x10000) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
    } else {
      out += '\\U' + cp.toString(16).padStart(8, '0');
    }
  }
  return out + '"';
}
