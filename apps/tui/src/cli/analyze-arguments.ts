/** Exit statuses of `strata analyze` (see its usage text). */
export const AnalyzeExit = { ok: 0, ciFailed: 1, notFound: 2, corrupt: 3, badCiConfig: 4, daemonUnreachable: 5, usage: 125 } as const;

/** What `strata analyze` was asked to do. */
export interface AnalyzeRequest {
  image: string;
  json?: string;
  ci: boolean;
  ciConfig?: string;
  top: number;
  base?: string;
}

/** `strata analyze --help`. */
export const analyzeUsage = `Usage:  strata analyze [OPTIONS] IMAGE

Show what each layer of an image holds and wastes. IMAGE is a name or ID in the data root,
or a docker save archive file (analysed without loading it).

Options:
      --json FILE        Write the full analysis as JSON to FILE ("-" for standard output)
      --ci               Check the image against the rules of --ci-config and exit 1 if one fails
      --ci-config FILE   Rules in dive's .dive-ci format (default: .dive-ci when it exists)
      --top N            Length of the "largest" lists (default 10)
      --base IMAGE       The image this one was built FROM (default: found in the store)

When a stratad owns the data root, the analysis comes from it (the same as the embedded engine's).

Exit status: 0 done (rules passed), 1 a CI rule failed, 2 no such image or archive,
3 corrupt archive or image, 4 unusable .dive-ci, 5 the stratad that owns the data root does
not answer, 125 bad arguments.
`;

/** Parse the arguments after `analyze`; a string is the error to print. */
export function parseAnalyzeArguments(argv: readonly string[]): AnalyzeRequest | 'help' | string {
  const positional: string[] = [];
  const req: Omit<AnalyzeRequest, 'image'> = { ci: false, top: 10 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    if (flag === '-h' || flag === '--help') return 'help';
    if (flag === '--ci') req.ci = true;
    else if (flag === '--json' || flag === '--ci-config' || flag === '--top' || flag === '--base') {
      const v = value();
      if (v === undefined || v === '') return `flag needs an argument: ${flag}`;
      if (flag === '--json') req.json = v;
      else if (flag === '--ci-config') req.ciConfig = v;
      else if (flag === '--base') req.base = v;
      else {
        if (!/^\d+$/.test(v)) return `invalid argument "${v}" for "--top" flag: not a whole number`;
        req.top = Number(v);
      }
    } else if (flag.startsWith('-') && flag !== '-') return `unknown flag: ${flag}`;
    else positional.push(arg);
  }
  if (positional.length !== 1) return '"strata analyze" requires exactly 1 argument (an image or an archive file)';
  return { image: positional[0], ...req };
}

/** A name that can only be meant as an archive file (so a missing one is "no such file", not "no such image"). */
export const looksLikeArchivePath = (image: string): boolean => /\.(tar|tgz|tar\.gz)$/.test(image) || (image.includes('/') && image.startsWith('.'));
