/** What the `stratad` command line asks for. */
export interface DaemonFlags {
  dataRoot?: string;
  hosts: string[];
  pidfile?: string;
  debug: boolean;
  help: boolean;
  version: boolean;
  /** `--insecure-registry` (repeatable): registries spoken to over plain HTTP. */
  insecureRegistries?: string[];
  /** `--registry-mirror` (repeatable): mirrors tried before Docker Hub. */
  registryMirrors?: string[];
  /** `--ip`: the address published ports listen on when `-p` names none (default 127.0.0.1). */
  ip?: string;
  /** `-b, --bridge none`: no default bridge; containers without `--network` get loopback only (dockerd's flag). */
  bridge?: 'none';
}

/** `stratad --help`: dockerd's flag names, only the ones stratad has. */
export const daemonUsage = (defaultDataRoot: string): string => `Usage:  stratad [OPTIONS]

Strata's daemon: serves the Docker Engine API (v1.41) so the docker CLI, dockerode and
testcontainers can drive Strata.

Options:
      --data-root string   Root directory of persistent Strata state (default "${defaultDataRoot}")
  -b, --bridge string      "none": no default bridge network (containers get loopback only)
  -D, --debug              Enable debug mode (one log line per request)
  -H, --host list          Daemon socket(s) to listen on: unix:///path or tcp://127.0.0.1:PORT
                           (loopback only; default unix://<data-root>/stratad.sock)
  -h, --help               Print usage
      --insecure-registry list   Registries to reach over plain HTTP (host[:port] or CIDR;
                                 127.0.0.0/8 always is)
  -p, --pidfile string     Path to use for daemon PID file
      --ip string                Default IP when binding container ports (default 127.0.0.1)
      --registry-mirror list     Preferred Docker Hub mirrors (http(s)://host[:port])
  -v, --version            Print version information and quit
`;

/** Parses dockerd-style flags (`--flag value`, `--flag=value`, `-H value`); throws on unknown flags. */
export function parseDaemonFlags(argv: readonly string[]): DaemonFlags {
  const flags: DaemonFlags = { hosts: [], debug: false, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`flag needs an argument: ${name}`);
      i++;
      return next;
    };
    switch (name) {
      case '--data-root':
        flags.dataRoot = value();
        break;
      case '-H':
      case '--host':
        flags.hosts.push(value());
        break;
      case '-p':
      case '--pidfile':
        flags.pidfile = value();
        break;
      case '-D':
      case '--debug':
        flags.debug = eq > 0 ? value() !== 'false' : true;
        break;
      case '-h':
      case '--help':
        flags.help = true;
        break;
      case '--insecure-registry':
        (flags.insecureRegistries ??= []).push(value());
        break;
      case '--registry-mirror':
        (flags.registryMirrors ??= []).push(value());
        break;
      case '--ip':
        flags.ip = value();
        break;
      case '-b':
      case '--bridge': {
        const bridge = value();
        // dockerd takes an existing interface name here; the only one stratad can honour is none.
        if (bridge !== 'none') throw new Error(`--bridge ${JSON.stringify(bridge)}: only "none" is supported (the default bridge lives in stratad's own network namespace)`);
        flags.bridge = bridge;
        break;
      }
      case '-v':
      case '--version':
        flags.version = true;
        break;
      default:
        if (/^-H./.test(arg)) {
          flags.hosts.push(arg.slice(2).replace(/^=/, ''));
          break;
        }
        throw new Error(arg.startsWith('-') ? `unknown flag: ${name}` : `stratad takes no arguments, got "${arg}"`);
    }
  }
  return flags;
}
