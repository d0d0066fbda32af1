import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile-parser.js';
import { copySourceWords, heredocRun } from './heredoc-command.js';
import { planDockerfile } from './instructions.js';
import { variablesFromList } from './shell-lex.js';

const commandOf = (dockerfile: string) => {
  const c = planDockerfile(parseDockerfile(`FROM scratch\n${dockerfile}`)).stages[0].commands[0];
  if (c.kind !== 'run' && c.kind !== 'copy' && c.kind !== 'add') throw new Error(`not RUN/COPY/ADD: ${c.kind}`);
  return c;
};
const runOf = (dockerfile: string) => {
  const c = commandOf(dockerfile);
  if (c.kind !== 'run') throw new Error('not RUN');
  return heredocRun(c.args.join(' '), c.heredocs);
};

describe('heredocs in RUN, COPY and ADD (BuildKit semantics)', () => {
  it('runs a lone heredoc body as the shell script, tabs stripped for <<-', () => {
    expect(runOf('RUN <<EOF\necho "hi $HOME"\nEOF\n')).toEqual({ script: 'echo "hi $HOME"\n' });
    expect(runOf('RUN <<-EOF\n\techo a\n\t\techo b\n\tEOF\n')).toEqual({ script: 'echo a\necho b\n' });
  });

  it('makes a body starting with #! an executable file under /dev/pipes', () => {
    expect(runOf('RUN <<script\n#!/bin/awk -f\nBEGIN { print 1 }\nscript\n')).toEqual({
      script: '/dev/pipes/script',
      file: { name: 'script', body: '#!/bin/awk -f\nBEGIN { print 1 }\n' },
    });
  });

  it('hands a command with heredocs (several, quoted, <<-) to the shell whole', () => {
    expect(runOf('RUN <<-EOF bash\n\techo tab\n\tEOF\n')).toEqual({ script: '<<-EOF bash\n\techo tab\nEOF' });
    expect(runOf("RUN cat <<A > /a && cat <<'B' > /b\na $X\nA\nb $X\nB\n")).toEqual({ script: "cat <<A > /a && cat <<'B' > /b\na $X\nA\nb $X\nB" });
  });

  it('turns COPY heredocs into files named by their delimiter; quoted delimiters are not expanded', () => {
    const c = commandOf('COPY <<EOF <<"EOF2" <<-EOF3 plain.txt /dest/\none $X "q"\nEOF\ntwo $X\nEOF2\n\tthree ${X:-d}\n\tEOF3\n');
    if (c.kind !== 'copy') throw new Error('not COPY');
    expect(copySourceWords(c.sources, c.heredocs, variablesFromList(['X=ex']))).toEqual([
      { kind: 'inline', name: 'EOF', content: 'one ex "q"\n' },
      { kind: 'inline', name: 'EOF2', content: 'two $X\n' },
      { kind: 'inline', name: 'EOF3', content: 'three ex\n' },
      { kind: 'path', word: 'plain.txt' },
    ]);
  });
});
