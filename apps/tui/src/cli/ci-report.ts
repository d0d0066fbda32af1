import type { ImageAnalysisDocument } from '@strata/core';
import { AnalyzeExit } from './analyze-arguments.js';
import { type CiRules, evaluateCi } from './ci-rules.js';

/** Check each analysis against the rules and print dive's report (stderr when a rule failed); returns the exit status. */
export function reportCi(docs: readonly Pick<ImageAnalysisDocument, 'summary' | 'report'>[], rules: CiRules, out: { stdout(s: string): void; stderr(s: string): void }): number {
  let failed = false;
  for (const d of docs) {
    const results = evaluateCi(d, rules);
    const lines = results.map((x) => `  ${x.status}: ${x.rule}${x.message ? `: ${x.message}` : ''}`);
    const fails = results.filter((x) => x.status === 'FAIL').length;
    failed ||= fails > 0;
    const pass = results.filter((x) => x.status === 'PASS').length;
    const skip = results.filter((x) => x.status === 'SKIP').length;
    (fails ? out.stderr : out.stdout)(
      `Results for ${d.summary.image.names[0]}:\n${lines.join('\n')}\nResult:${fails ? 'FAIL' : 'PASS'} [Total:${results.length}] [Passed:${pass}] [Failed:${fails}] [Warn:0] [Skipped:${skip}]\n`,
    );
  }
  return failed ? AnalyzeExit.ciFailed : AnalyzeExit.ok;
}
