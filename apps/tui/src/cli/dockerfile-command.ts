import { readFileSync } from 'node:fs';
import { DockerfileSyntaxError, dumpNode, parseDockerfile } from '@strata/core';

/** Where `strata dockerfile` writes. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** `strata dockerfile FILE` (or `-` for stdin): prints BuildKit's s-expression dump; 1 with the line on a syntax error. */
export function runDockerfile(args: readonly string[], out: CommandOutput): number {
  if (args.length !== 1) {
    out.stderr('"strata dockerfile" requires exactly 1 argument: the Dockerfile (- for stdin)\n');
    return 125;
  }
  let text: string;
  try {
    text = readFileSync(args[0] === '-' ? 0 : args[0], 'utf8');
  } catch (e) {
    out.stderr(`strata: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    const parse = parseDockerfile(text);
    for (const w of parse.warnings) out.stderr(`[WARNING]: ${w.short}\n`);
    if (parse.warnings.length > 0) out.stderr('[WARNING]: Empty continuation lines will become errors in a future release.\n');
    out.stdout(dumpNode(parse.root) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof DockerfileSyntaxError) {
      out.stderr(`${args[0]}:${e.startLine}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
