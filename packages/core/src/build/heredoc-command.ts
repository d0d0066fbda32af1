import { chompHeredocContent, type Heredoc, parseHeredoc } from './dockerfile-parser.js';
import { expandWord, type ShellVariables } from './shell-lex.js';

// What the here-documents of RUN, COPY and ADD mean, as BuildKit's dispatcher gives them meaning
// (dispatchRun, parseSourcesAndDest): dockerd's classic builder has none of this, it rejects or
// misreads such Dockerfiles, so here we follow BuildKit.

/** Where BuildKit mounts the script of a `RUN <<EOF` whose body starts with `#!`. */
export const HEREDOC_PIPES = '/dev/pipes';

/** How a RUN with here-documents runs: a shell script, or an executable file the shell runs. */
export interface HeredocRun {
  /** The last argument of `SHELL … -c` (the script, or the file's path for a shebang body). */
  script: string;
  /** The executable file (mode 0755, under /dev/pipes) a body with a shebang becomes. */
  file?: { name: string; body: string };
}

/**
 * A RUN's shell command line with its here-documents: a lone `<<EOF` runs its body (a file when
 * it starts with `#!`); anything else (`<<EOF bash`, several heredocs) is handed whole to the shell.
 */
export function heredocRun(commandLine: string, heredocs: readonly Heredoc[]): HeredocRun {
  const lone = parseHeredoc(commandLine);
  if (lone && heredocs.length > 0) {
    const doc = heredocs[0];
    const body = doc.chomp ? chompHeredocContent(doc.content) : doc.content;
    if (doc.content.startsWith('#!')) return { script: `${HEREDOC_PIPES}/${doc.name}`, file: { name: doc.name, body } };
    return { script: body };
  }
  let full = commandLine;
  for (const doc of heredocs) full += '\n' + doc.content + doc.name;
  return { script: full };
}

/**
 * The argv that writes a heredoc file into the container's /dev (a tmpfs, so it never reaches
 * the layer) and then execs `argv`, BuildKit's read-only mount of the file done with a shell.
 */
export function heredocFileArgv(file: { name: string; body: string }, argv: readonly string[]): string[] {
  const prepare = `set -e; mkdir -p ${HEREDOC_PIPES}; printf '%s' "$1" > "${HEREDOC_PIPES}/$2"; chmod 0755 "${HEREDOC_PIPES}/$2"; shift 2; exec "$@"`;
  return ['/bin/sh', '-c', prepare, 'sh', file.body, file.name, ...argv];
}

/** A COPY/ADD source: a path as written, or a file made from a here-document. */
export type CopySourceWord = { kind: 'path'; word: string } | { kind: 'inline'; name: string; content: string };

/**
 * Splits COPY/ADD sources into paths and heredoc files (in order); a heredoc's content is chomped
 * for `<<-` and, unless its delimiter is quoted, expanded with the build's variables (quotes kept).
 */
export function copySourceWords(sources: readonly string[], heredocs: readonly Heredoc[], vars: ShellVariables): CopySourceWord[] {
  const docs = [...heredocs];
  const out: CopySourceWord[] = [];
  for (const word of sources) {
    const doc = parseHeredoc(word) ? docs.shift() : undefined;
    if (!doc) {
      out.push({ kind: 'path', word });
      continue;
    }
    let content = doc.chomp ? chompHeredocContent(doc.content) : doc.content;
    if (doc.expand) content = expandWord(content, vars, { skipProcessQuotes: true });
    out.push({ kind: 'inline', name: doc.name, content });
  }
  return out;
}
