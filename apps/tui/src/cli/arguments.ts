/** What the command line asks for. */
export type Invocation =
  | { command: 'app'; dataRoot?: string; host?: string }
  | { command: 'load'; dataRoot?: string; input?: string; quiet: boolean }
  | { command: 'analyze'; dataRoot?: string; args: string[] }
  | { command: 'dockerfile'; args: string[] }
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'invalid'; message: string };

/** The text `strata --help` prints. */
export const usage = `Usage:  strata [OPTIONS] [COMMAND]

A Docker-compatible container engine. Without a command, opens the full-screen image browser.

Commands:
  load [-i FILE]   Load an image from a tar archive (docker save format) or STDIN
  analyze IMAGE    Show what each layer holds and wastes; --ci checks .dive-ci rules
  dockerfile FILE  Print a Dockerfile's parse in BuildKit's test notation ((from "busybox") ...)

Options:
  -H, --host ADDR       Be a client of this daemon (stratad or dockerd): unix:///path or tcp://host:port
                        (default: $DOCKER_HOST when --data-root is not given; else the embedded engine,
                        or the client of the stratad that owns the data root)
      --data-root DIR   Where images are kept (default: $STRATA_DATA_ROOT, /var/lib/strata as root,
                        else $XDG_DATA_HOME/strata or ~/.local/share/strata)
  -h, --help            Print usage
  -v, --version         Print version information and quit

Load options:
  -i, --input FILE      Read from tar archive file, instead of STDIN
  -q, --quiet           Suppress the load output
`;

/** Parses `strata`'s arguments (without `node` and the script), docker-style. */
export function parseArguments(argv: readonly string[]): Invocation {
  let dataRoot: string | undefined;
  let host: string | undefined;
  let command: 'app' | 'load' = 'app';
  let input: string | undefined;
  let quiet = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    if (flag === '-h' || flag === '--help') return { command: 'help' };
    if (flag === '-v' || flag === '--version') return { command: 'version' };
    if (flag === '--data-root') {
      dataRoot = value();
      if (!dataRoot) return { command: 'invalid', message: 'flag needs an argument: --data-root' };
    } else if (flag === '-H' || flag === '--host') {
      host = value();
      if (!host) return { command: 'invalid', message: `flag needs an argument: ${flag}` };
    } else if (command === 'load' && (flag === '-i' || flag === '--input')) {
      input = value();
      if (!input) return { command: 'invalid', message: `flag needs an argument: ${flag}` };
    } else if (command === 'load' && (flag === '-q' || flag === '--quiet')) {
      quiet = true;
    } else if (flag.startsWith('-') && flag !== '-') {
      return { command: 'invalid', message: `unknown ${flag.startsWith('--') ? 'flag' : 'shorthand flag'}: ${flag}` };
    } else if (command === 'app' && positional.length === 0 && arg === 'analyze') {
      // analyze has its own flags (see analyze-arguments.ts).
      return { command: 'analyze', dataRoot, args: argv.slice(i + 1) };
    } else if (command === 'app' && positional.length === 0 && arg === 'dockerfile') {
      return { command: 'dockerfile', args: argv.slice(i + 1) };
    } else if (command === 'app' && positional.length === 0 && arg === 'load') {
      command = 'load';
    } else {
      positional.push(arg);
    }
  }
  if (command === 'app') {
    if (positional.length > 0) return { command: 'invalid', message: `unknown command: ${positional[0]}` };
    return { command: 'app', dataRoot, ...(host !== undefined ? { host } : {}) };
  }
  // `strata load FILE` is accepted as well as docker's `-i FILE`.
  if (positional.length > 1 || (positional.length === 1 && input !== undefined)) {
    return { command: 'invalid', message: '"strata load" accepts one archive' };
  }
  return { command: 'load', dataRoot, input: input ?? positional[0], quiet };
}
