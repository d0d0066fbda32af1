import { readFile, stat } from 'node:fs/promises';
import { AnalyzeExit, type AnalyzeRequest } from './analyze-arguments.js';
import { CiConfigError, type CiRules, parseCiConfig } from './ci-rules.js';

/** True when `p` names a regular file. */
export const isFile = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isFile() ?? false;

/**
 * The CI rules of `strata analyze --ci`: `--ci-config FILE`, else `.dive-ci` when it exists, else
 * dive's defaults. An unusable file is reported on stderr and given as the exit status.
 */
export async function loadRules(req: AnalyzeRequest, out: { stderr(s: string): void }): Promise<CiRules | number> {
  let path = req.ciConfig;
  if (path === undefined && (await isFile('.dive-ci'))) path = '.dive-ci';
  try {
    if (path === undefined) return parseCiConfig('');
    const text = await readFile(path, 'utf8').catch(() => {
      throw new CiConfigError(`cannot read ${path}`);
    });
    return parseCiConfig(text);
  } catch (e) {
    if (!(e instanceof CiConfigError)) throw e;
    out.stderr(`strata: ${path ?? '.dive-ci'}: ${e.message}\n`);
    return AnalyzeExit.badCiConfig;
  }
}
