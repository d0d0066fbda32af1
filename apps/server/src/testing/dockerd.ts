// A private, throw-away real dockerd for interop tests and the benchmark baseline.
//
// What this machine needs (checked on the dev VM: Debian 12, kernel 6.18, dockerd 20.10.24+dfsg1,
// containerd 1.6.20, runc 1.1.5, docker CLI 28.2.2):
// - root (dockerd mounts, and its managed containerd needs CAP_SYS_ADMIN), `/usr/sbin/dockerd` from
//   Debian's docker.io, `unshare` and `setpriv` from util-linux.
// - cgroups: v1 with the `devices` controller mounted under /sys/fs/cgroup (dockerd 20.10 refuses to
//   start with "Devices cgroup isn't mounted" otherwise), or a cgroup2 unified mount. This VM has
//   cgroup v1 (cgroupfs driver, `Cgroup Version: 1`).
// - storage driver: overlay2 works here on the ext4 of /tmp ("Backing Filesystem: extfs") and on a
//   loop-mounted ext4; vfs is used only when the kernel lists no `overlay` filesystem.
// - no networking: `--iptables=false --ip6tables=false --bridge=none`, so no iptables call, no
//   docker0, nothing on the host's network.
// Containment: data root, exec root, pidfile, socket and the managed containerd (dockerd starts its
// own when `--containerd` is unset; its state and socket go under `<exec-root>/containerd`, its
// content under `<data-root>/containerd`) all live in one temp dir. Two paths of dockerd 20.10 are
// fixed and cannot be moved by a flag: the plugin socket dir `/run/docker/plugins` and the trust key
// `/etc/docker/key.json`. The key is moved with the hidden `deprecated-key-path` setting of a
// private `--config-file` (which also keeps /etc/docker/daemon.json out); `/run` is covered with a
// tmpfs inside a private mount namespace (`unshare -m`), which also keeps dockerd's own mounts
// (overlay2 bind-mounts its data root) out of the host's mount table. `/var/run/docker.sock` and
// `/var/lib/docker` are never touched. `setpriv --pdeathsig TERM` makes dockerd shut down cleanly
// if the process that started it dies without calling stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running private dockerd started by {@link startDockerd}. */
export interface Dockerd {
  /** The temp dir that holds everything of this daemon. */
  dir: string;
  /** Path of the daemon's unix socket. */
  socket: string;
  /** `unix://` address of the socket, as `docker -H` takes it. */
  host: string;
  dataRoot: string;
  execRoot: string;
  /** PID of the dockerd process itself. */
  pid: number;
  storageDriver: 'overlay2' | 'vfs';
  /** Environment for the docker CLI: DOCKER_HOST plus a private DOCKER_CONFIG. */
  env: Record<string, string>;
  /** Path of the daemon's log (stdout and stderr). */
  logFile: string;
  /** Stops the daemon (SIGTERM, then SIGKILL), unmounts what is left and removes the temp dir. */
  stop(): Promise<void>;
}

/** Why no dockerd could be started here; tests use it with `it.skipIf`. */
export interface DockerdSkip {
  skip: string;
}

export interface DockerdOptions {
  /** Folder in which the daemon's temp dir is made (default: the OS temp dir). */
  baseDir?: string;
  /** Storage driver; default overlay2 when the kernel has overlayfs, else vfs. */
  storageDriver?: 'overlay2' | 'vfs';
  /** How long to wait for `/_ping` to answer (ms). */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (ms). */
  stopTimeoutMs?: number;
  /**
   * Run dockerd inside this existing network namespace (a name under /run/netns) with its own
   * docker0 there and the userland proxy for `-p`, instead of `--bridge=none`: nothing it does
   * reaches the host's namespace (network-recipes §0). The caller makes and removes the namespace.
   */
  networkNamespace?: string;
}

const DOCKERD = '/usr/sbin/dockerd';

/** Path of the docker CLI: /usr/local/bin/docker, else Debian's /usr/bin/docker, else undefined. */
export function dockerCli(): string | undefined {
  return ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));
}

/** Result of one docker CLI run. */
export interface DockerRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the docker CLI with `args`; `env` is added to this process's environment; `signal` kills it. */
export function runDocker(
  args: string[],
  options: { env?: Record<string, string>; input?: string | Uint8Array; signal?: AbortSignal } = {},
): Promise<DockerRun> {
  const cli = dockerCli();
  if (!cli) return Promise.reject(new Error('docker CLI not found (/usr/local/bin/docker or /usr/bin/docker)'));
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {}); // the CLI may exit before reading all input
    child.stdin.end(options.input ?? '');
  });
}

/** Why dockerd cannot run on this machine, or undefined when it can be tried. */
export function dockerdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(DOCKERD)) return `${DOCKERD} missing (apt-get install docker.io)`;
  for (const tool of ['/usr/bin/unshare', '/usr/bin/setpriv']) {
    if (!existsSync(tool)) return `${tool} missing (util-linux)`;
  }
  const cgroup2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (!cgroup2 && !existsSync('/sys/fs/cgroup/devices')) return 'no cgroup2 and no cgroup v1 devices controller under /sys/fs/cgroup';
  return undefined;
}

function kernelHasOverlay(): boolean {
  try {
    return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/** Starts a private dockerd in its own temp dir and waits until `/_ping` answers. */
export async function startDockerd(options: DockerdOptions = {}): Promise<Dockerd | DockerdSkip> {
  const unavailable = dockerdUnavailable();
  if (unavailable) return { skip: `dockerd cannot start: ${unavailable}` };

  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'strata-dockerd-'));
  const dataRoot = join(dir, 'root');
  const execRoot = join(dir, 'exec');
  const socket = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  const configFile = join(dir, 'daemon.json');
  const cliConfig = join(dir, 'cli');
  const storageDriver = options.storageDriver ?? (kernelHasOverlay() ? 'overlay2' : 'vfs');
  await mkdir(cliConfig);
  await writeFile(configFile, JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') }) + '\n');

  const dockerdArgs = [
    '--config-file', configFile,
    '--data-root', dataRoot,
    '--exec-root', execRoot,
    '--pidfile', join(dir, 'pid'),
    '-H', `unix://${socket}`,
    '--iptables=false', '--ip6tables=false',
    ...(options.networkNamespace ? [] : ['--bridge=none']),
    '--storage-driver', storageDriver,
  ];
  // "$@" keeps every argument intact; exec keeps the PID we spawn equal to dockerd's; -n stops
  // util-linux from creating /run/mount/utab on the host's /run before the tmpfs covers it.
  const script = 'mount -n -t tmpfs -o mode=0755 strata-run /run && exec "$@"';
  const log = createWriteStream(logFile);
  await new Promise((resolve) => log.once('open', resolve));
  const child = spawn(
    '/usr/bin/setpriv',
    ['--pdeathsig', 'TERM', ...(options.networkNamespace ? ['/usr/bin/nsenter', `--net=/run/netns/${options.networkNamespace}`] : []), '/usr/bin/unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', DOCKERD, ...dockerdArgs],
    { stdio: ['ignore', log, log] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => {}); // surfaces as an exit with no PID below
  const pid = child.pid;

  const daemon: Dockerd = {
    dir,
    socket,
    host: `unix://${socket}`,
    dataRoot,
    execRoot,
    pid: pid ?? -1,
    storageDriver,
    env: { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: cliConfig },
    logFile,
    stop: () => stopDaemon(child, dir, options.stopTimeoutMs ?? 20_000).finally(() => log.close()),
  };

  const ready = pid !== undefined && (await waitForPing(socket, exited, options.startTimeoutMs ?? 30_000));
  if (!ready) {
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
    await daemon.stop();
    return { skip: `dockerd cannot start: no answer on /_ping${tail ? `; log tail:\n${tail}` : ''}` };
  }
  return daemon;
}

/** Sends `GET /_ping` on a unix socket; true on a 200 "OK". */
export function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function waitForPing(socket: string, exited: Promise<void>, timeoutMs: number): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    if (existsSync(socket) && (await ping(socket))) return true;
    await sleep(100);
  }
  return false;
}

async function stopDaemon(child: ChildProcess, dir: string, timeoutMs: number): Promise<void> {
  await terminate(child, timeoutMs);
  // A dockerd killed by SIGKILL leaves its containerd running; both were started for this dir only,
  // so any process whose command line names the dir is one of ours.
  await killProcessesNaming(dir);
  unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
}

async function killProcessesNaming(dir: string): Promise<void> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir + '/')) pids.push(Number(entry));
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pid of pids) {
    for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(20);
  }
}

/** True while `pid` exists and is not a zombie (orphans are reaped by init, sometimes late). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Sends SIGTERM to a child we spawned, SIGKILL after `timeoutMs`; resolves once it has exited. */
export async function terminate(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  // The timer is cleared on exit so that it does not keep the process alive for `timeoutMs`.
  const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!inTime) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Unmounts every mount point at or below `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  const points = mountPointsUnder(dir).sort((a, b) => b.length - a.length);
  for (const point of points) {
    const r = spawnSync('umount', ['-n', point], { encoding: 'utf8' });
    if (r.status !== 0) spawnSync('umount', ['-n', '-l', point]);
  }
}

/** Mount points (of this process's mount namespace) at or below `dir`. */
export function mountPointsUnder(dir: string): string[] {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  // Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
  return lines
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(dir + '/'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
