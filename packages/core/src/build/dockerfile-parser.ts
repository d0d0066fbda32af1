import { StrataError } from '../errors/index.js';
import { expandWords, goQuote, isGoSpace, type ShellVariables } from './shell-lex.js';

// A port of BuildKit's Dockerfile parser (frontend/dockerfile/parser): the low-level syntax
// tree every builder reads. Instructions are not checked here (an unknown one parses with no
// arguments); `instructions.ts` gives them meaning.

/** A here-document attached to RUN, COPY or ADD (`<<EOF`, `<<-EOF`, `<<'EOF'`). */
export interface Heredoc {
  name: string;
  fileDescriptor: number;
  expand: boolean;
  chomp: boolean;
  content: string;
}

/** One node of BuildKit's parse tree: an instruction, or one of its argument values. */
export interface DockerfileNode {
  value: string;
  next?: DockerfileNode;
  children: DockerfileNode[];
  heredocs: Heredoc[];
  json: boolean;
  original: string;
  flags: string[];
  startLine: number;
  endLine: number;
  prevComment: string[];
}

/** A parser warning (BuildKit warns on empty continuation lines). */
export interface ParseWarning {
  short: string;
  detail: string;
  url: string;
  line: number;
}

/** The parse of a whole Dockerfile: its instructions (root.children), escape token, warnings. */
export interface DockerfileParse {
  root: DockerfileNode;
  escapeToken: string;
  warnings: ParseWarning[];
}

/** A Dockerfile syntax error with the lines it concerns (BuildKit's LocationError). */
export class DockerfileSyntaxError extends StrataError {
  constructor(
    message: string,
    readonly startLine: number,
    readonly endLine: number,
  ) {
    super('invalid', message);
  }
}

const WHITESPACE = /[\t\v\f\r ]+/;
const HEREDOC = /^(\d*)<<(-?)\s*([^<]*)$/;
const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/s;
const HEREDOC_INSTRUCTIONS = new Set(['add', 'copy', 'run']);
const NO_VARIABLES: ShellVariables = { get: () => undefined };

type LineParser = (rest: string, d: Directives) => { node?: DockerfileNode; json?: boolean };

class Directives {
  escapeToken = '\\';
  continuation = continuationRegex('\\');
  private seen = new Set<string>();
  private done = false;

  setEscapeToken(s: string): void {
    if (s !== '`' && s !== '\\') throw new LineError(`invalid escape token '${s}' does not match \` or \\`);
    this.escapeToken = s;
    this.continuation = continuationRegex(s);
  }

  /** Looks for `# key=value` before any instruction or other comment; true when it was one. */
  possibleDirective(line: string): boolean {
    if (this.done) return false;
    if (!line.startsWith('#')) {
      this.done = true;
      return false;
    }
    const match = DIRECTIVE.exec(trimLeftSpace(line.slice(1)));
    const key = match?.[1].toLowerCase();
    if (!match || !key || !['syntax', 'escape', 'check'].includes(key)) {
      this.done = true;
      return false;
    }
    if (this.seen.has(key)) throw new LineError(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    if (key === 'escape') this.setEscapeToken(match[2]);
    return true;
  }
}

class LineError extends Error {}

function continuationRegex(token: string): RegExp {
  const t = '\\' + token;
  return new RegExp(`([^${t}])${t}[ \\t]*$|^${t}[ \\t]*$`, 's');
}

function newNode(value = ''): DockerfileNode {
  return { value, children: [], heredocs: [], json: false, original: '', flags: [], startLine: 0, endLine: 0, prevComment: [] };
}

function trimLeftSpace(s: string): string {
  let i = 0;
  const runes = Array.from(s);
  while (i < runes.length && isGoSpace(runes[i])) i++;
  return runes.slice(i).join('');
}

function trimSpace(s: string): string {
  const runes = Array.from(s);
  let a = 0;
  let b = runes.length;
  while (a < b && isGoSpace(runes[a])) a++;
  while (b > a && isGoSpace(runes[b - 1])) b--;
  return runes.slice(a, b).join('');
}

function trimNewline(s: string): string {
  return s.replace(/[\r\n]+$/, '');
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith('#');
}

/** Go's regexp.Split(s, n) for the whitespace pattern: at most n pieces when n > 0. */
function splitWhitespace(s: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  for (;;) {
    if (n > 0 && out.length === n - 1) break;
    const m = WHITESPACE.exec(rest);
    if (!m) break;
    out.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  out.push(rest);
  return out;
}

/** Parses a Dockerfile the way BuildKit does; throws DockerfileSyntaxError with line numbers. */
export function parseDockerfile(text: string): DockerfileParse {
  const d = new Directives();
  const root = newNode();
  root.startLine = -1;
  const warnings: ParseWarning[] = [];
  const lines = scanLines(text.startsWith('\ufeff') ? text.slice(1) : text);
  let comments: string[] = [];
  let currentLine = 0;
  let at = 0;
  const fail = (e: unknown, start: number, end: number): never => {
    if (e instanceof LineError || (e instanceof StrataError && !(e instanceof DockerfileSyntaxError))) {
      throw new DockerfileSyntaxError(e.message, start, Math.max(start, end));
    }
    throw e;
  };
  const processLine = (raw: string, stripLeft: boolean): { line: string; directive: boolean } => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    const directive = d.possibleDirective(token);
    return { line: isComment(token) ? '' : token, directive };
  };
  while (at < lines.length) {
    const raw = lines[at++];
    if (isComment(raw)) {
      const comment = trimSpace(trimLeftSpace(raw).slice(1));
      if (comment === '') comments = [];
      else comments.push(comment);
    }
    let first: { line: string; directive: boolean };
    try {
      first = processLine(raw, true);
    } catch (e) {
      return fail(e, currentLine, 0);
    }
    if (first.directive) comments.pop();
    currentLine++;
    const startLine = currentLine;
    let [bytes, endOfLine] = trimContinuation(first.line, d);
    if (endOfLine && bytes.length === 0) continue;
    let buf = bytes;
    let hasEmptyContinuation = false;
    while (!endOfLine && at < lines.length) {
      const next = lines[at++];
      let processed: string;
      try {
        processed = processLine(next, false).line;
      } catch (e) {
        return fail(e, currentLine, 0);
      }
      currentLine++;
      if (isComment(next)) continue;
      if (trimLeftSpace(trimNewline(processed)).length === 0) {
        hasEmptyContinuation = true;
        continue;
      }
      [bytes, endOfLine] = trimContinuation(processed, d);
      buf += bytes;
    }
    const line = buf;
    if (hasEmptyContinuation) {
      warnings.push({
        short: 'Empty continuation line found in: ' + line,
        detail: 'Empty continuation lines will become errors in a future release',
        url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
        line: currentLine,
      });
    }
    let child: DockerfileNode;
    try {
      child = nodeFromLine(line, d, comments);
    } catch (e) {
      return fail(e, startLine, currentLine);
    }
    if (canContainHeredoc(child) && line.includes('<<')) {
      let heredocs: Heredoc[];
      try {
        heredocs = heredocsFromLine(line);
      } catch (e) {
        return fail(e, startLine, currentLine);
      }
      for (const heredoc of heredocs) {
        let terminated = false;
        let content = heredoc.content;
        while (at < lines.length) {
          const body = lines[at++];
          currentLine++;
          let candidate = trimNewline(body);
          if (heredoc.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === heredoc.name) {
            terminated = true;
            break;
          }
          content += body;
        }
        if (!terminated) throw new DockerfileSyntaxError('unterminated heredoc', startLine, currentLine);
        child.heredocs.push({ ...heredoc, content });
      }
    }
    child.startLine = startLine;
    child.endLine = currentLine;
    if (root.startLine < 0) root.startLine = startLine;
    root.endLine = currentLine;
    root.children.push(child);
    comments = [];
  }
  if (root.startLine < 0) throw new DockerfileSyntaxError('file with no instructions', currentLine, currentLine);
  return { root, escapeToken: d.escapeToken, warnings };
}

/** Lines with their line endings kept (BuildKit's scanLines). */
function scanLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n', start);
    if (i < 0) break;
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function trimContinuation(line: string, d: Directives): [string, boolean] {
  if (d.continuation.test(line)) return [line.replace(d.continuation, '$1'), false];
  return [line, true];
}

function canContainHeredoc(node: DockerfileNode): boolean {
  let n = node;
  if (n.value.toLowerCase() === 'onbuild' && n.next && n.next.children.length > 0) n = n.next.children[0];
  return HEREDOC_INSTRUCTIONS.has(n.value.toLowerCase()) && !n.json;
}

function nodeFromLine(line: string, d: Directives, comments: string[]): DockerfileNode {
  const { cmd, flags, args } = splitCommand(line, d);
  const parse = DISPATCH[cmd.toLowerCase()] ?? (() => ({ node: newNode() }));
  const { node: next, json } = parse(args, d);
  const node = newNode(cmd);
  node.original = line;
  node.flags = flags;
  node.next = next;
  node.json = json ?? false;
  node.prevComment = [...comments];
  return node;
}

function splitCommand(line: string, d: Directives): { cmd: string; flags: string[]; args: string } {
  const cmdline = splitWhitespace(trimSpace(line), 2);
  if (cmdline.length < 2) return { cmd: cmdline[0], flags: [], args: '' };
  const { rest, words } = extractBuilderFlags(cmdline[1], d);
  return { cmd: cmdline[0], flags: words, args: trimSpace(rest) };
}

function extractBuilderFlags(line: string, d: Directives): { rest: string; words: string[] } {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let buf = '';
  let quote = '';
  let blankOK = false;
  // BuildKit walks bytes here; the flags it cares about are ASCII.
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = pos !== line.length ? line[pos] : '';
    if (phase === 'spaces') {
      if (pos === line.length) break;
      if (isGoSpace(ch)) continue;
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return { rest: line.slice(pos), words };
      phase = 'word';
    }
    if (pos === line.length) {
      if (buf !== '--' && (blankOK || buf.length > 0)) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (buf === '--') return { rest: line.slice(pos), words };
        if (blankOK || buf.length > 0) words.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === d.escapeToken) {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos];
      }
      buf += ch;
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === d.escapeToken) {
      if (pos + 1 === line.length) {
        phase = 'word';
        continue;
      }
      pos++;
      ch = line[pos];
    }
    buf += ch;
  }
  return { rest: '', words };
}

/** BuildKit's parseWords: words split on spaces, quotes and escapes kept in the words. */
export function parseWords(rest: string, escapeToken = '\\'): string[] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let buf = '';
  const runes = Array.from(rest);
  for (let pos = 0; pos <= runes.length; pos++) {
    let ch = pos !== runes.length ? runes[pos] : '';
    if (phase === 'spaces') {
      if (pos === runes.length) break;
      if (isGoSpace(ch)) continue;
      phase = 'word';
    }
    if (pos === runes.length) {
      if (blankOK || buf.length > 0) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (blankOK || buf.length > 0) words.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === runes.length) continue;
        buf += ch;
        pos++;
        ch = runes[pos];
      }
      buf += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === runes.length) {
        phase = 'word';
        continue;
      }
      pos++;
      buf += ch;
      ch = runes[pos];
    }
    buf += ch;
  }
  return words;
}

function chain(values: string[]): DockerfileNode | undefined {
  let top: DockerfileNode | undefined;
  let prev: DockerfileNode | undefined;
  for (const v of values) {
    const node = newNode(v);
    if (prev) prev.next = node;
    else top = node;
    prev = node;
  }
  return top;
}

function lastOf(node: DockerfileNode): DockerfileNode {
  let n = node;
  while (n.next) n = n.next;
  return n;
}

function parseNameVal(rest: string, key: string, d: Directives): DockerfileNode | undefined {
  const words = parseWords(rest, d.escapeToken);
  if (words.length === 0) return undefined;
  if (!words[0].includes('=')) {
    const parts = splitWhitespace(rest, 2);
    if (parts.length < 2) throw new LineError(`${key} must have two arguments`);
    return chain([parts[0], parts[1], '']);
  }
  let root: DockerfileNode | undefined;
  let prev: DockerfileNode | undefined;
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) throw new LineError(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    const node = chain([word.slice(0, eq), word.slice(eq + 1), '='])!;
    if (prev) prev.next = node;
    else root = node;
    prev = lastOf(node);
  }
  return root;
}

function parseStringsWhitespaceDelimited(rest: string): { node?: DockerfileNode } {
  if (rest === '') return {};
  return { node: chain(splitWhitespace(rest, -1)) };
}

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

function parseJson(rest: string): { node?: DockerfileNode; json: true } | 'not-json' {
  const trimmed = trimLeftSpace(rest);
  if (!trimmed.startsWith('[')) return 'not-json';
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return 'not-json';
  }
  if (!Array.isArray(parsed)) return 'not-json';
  if (parsed.some((v) => typeof v !== 'string')) throw new LineError(NOT_STRING_ARRAY);
  return { node: chain(parsed as string[]), json: true };
}

function parseMaybeJson(rest: string): { node?: DockerfileNode; json?: boolean } {
  if (rest === '') return {};
  const json = parseJson(rest);
  if (json !== 'not-json') return json;
  return { node: newNode(rest) };
}

function parseMaybeJsonToList(rest: string): { node?: DockerfileNode; json?: boolean } {
  const json = parseJson(rest);
  if (json !== 'not-json') return json;
  return parseStringsWhitespaceDelimited(rest);
}

const DISPATCH: Record<string, LineParser> = {
  add: parseMaybeJsonToList,
  arg: (rest, d) => ({ node: chain(parseWords(rest, d.escapeToken)) }),
  cmd: parseMaybeJson,
  copy: parseMaybeJsonToList,
  entrypoint: parseMaybeJson,
  env: (rest, d) => ({ node: parseNameVal(rest, 'ENV', d) }),
  expose: parseStringsWhitespaceDelimited,
  from: parseStringsWhitespaceDelimited,
  healthcheck: (rest) => {
    let sep = 0;
    while (sep < rest.length && !isGoSpace(rest[sep])) sep++;
    let next = sep;
    while (next < rest.length && isGoSpace(rest[next])) next++;
    if (sep === 0) return {};
    const cmd = parseMaybeJson(rest.slice(next));
    const node = newNode(rest.slice(0, sep));
    node.next = cmd.node;
    return { node, json: cmd.json };
  },
  label: (rest, d) => ({ node: parseNameVal(rest, 'LABEL', d) }),
  maintainer: (rest) => (rest === '' ? {} : { node: newNode(rest) }),
  onbuild: (rest, d) => {
    if (rest === '') return {};
    const holder = newNode();
    holder.children.push(nodeFromLine(rest, d, []));
    return { node: holder };
  },
  run: parseMaybeJson,
  shell: parseMaybeJson,
  stopsignal: (rest) => (rest === '' ? {} : { node: newNode(rest) }),
  user: (rest) => (rest === '' ? {} : { node: newNode(rest) }),
  volume: parseMaybeJsonToList,
  workdir: (rest) => (rest === '' ? {} : { node: newNode(rest) }),
};

function heredocsFromLine(line: string): Heredoc[] {
  const words = expandWords(line, NO_VARIABLES, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  const docs: Heredoc[] = [];
  for (const word of words) {
    const heredoc = parseHeredoc(word);
    if (heredoc) docs.push(heredoc);
  }
  return docs;
}

/** BuildKit's ParseHeredoc: the heredoc a word such as `<<-"EOF"` opens, if any. */
export function parseHeredoc(src: string): Heredoc | undefined {
  const match = HEREDOC.exec(src);
  if (!match) return undefined;
  const rest = match[3];
  if (rest.length === 0) return undefined;
  const words = expandWords(rest, NO_VARIABLES, { skipUnsetEnv: true });
  if (words.length !== 1) return undefined;
  const raw = expandWords(rest, NO_VARIABLES, { skipUnsetEnv: true, rawQuotes: true });
  if (raw.length !== words.length) throw new LineError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const quotes = (s: string): number => (s.match(/['"]/g) ?? []).length;
  return {
    name: words[0],
    expand: quotes(words[0]) === quotes(raw[0]),
    chomp: match[2] === '-',
    fileDescriptor: match[1] === '' ? 0 : Number(match[1]),
    content: '',
  };
}

/** Removes leading tabs from every line of a `<<-` heredoc's content. */
export function chompHeredocContent(src: string): string {
  return src.replace(/^\t+/gm, '');
}

/** BuildKit's Node.Dump: the s-expression notation of its parser test files. */
export function dumpNode(node: DockerfileNode): string {
  let str = node.value.toLowerCase();
  if (node.flags.length > 0) str += ' [' + node.flags.map(goQuote).join(' ') + ']';
  for (const child of node.children) str += '(' + dumpNode(child) + ')\n';
  for (let n = node.next; n; n = n.next) {
    str += ' ';
    str += n.children.length > 0 ? dumpNode(n) : goQuote(n.value);
  }
  return trimSpace(str);
}
