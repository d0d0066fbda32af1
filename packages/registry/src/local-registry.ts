// A real Debian `docker-registry` on 127.0.0.1 in a temp dir, for tests and benchmarks.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian installs the distribution registry. */
export const dockerRegistryBinary = '/usr/bin/docker-registry';

export interface LocalRegistry {
  /** `127.0.0.1:PORT` (or `[::1]:PORT`), as references name it. */
  host: string;
  port: number;
  pid: number;
  /** Temp dir holding config, storage and (with auth) the htpasswd file. */
  dir: string;
  /** What the registry logged so far. */
  output(): string;
  /** SIGTERM by PID, then remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound and released; the registry takes it right after). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function answers(address: string, port: number, tls: boolean): Promise<number> {
  return new Promise((resolve) => {
    const options = { host: address, port, path: '/v2/', method: 'GET', rejectUnauthorized: false };
    const req = (tls ? httpsRequest : request)(options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Start `docker-registry` on 127.0.0.1 with its own config and storage; with `htpasswd`, the
 * registry asks for Basic credentials (the users given, bcrypt-hashed by Apache's htpasswd).
 */
export async function startLocalRegistry(
  options: { htpasswd?: Record<string, string>; tls?: { cert: string; key: string }; /** `127.0.0.1` (default) or `::1`. */ address?: '127.0.0.1' | '::1' } = {},
): Promise<LocalRegistry> {
  const address = options.address ?? '127.0.0.1';
  const hostPart = address.includes(':') ? `[${address}]` : address;
  if (!existsSync(dockerRegistryBinary)) throw new Error(`${dockerRegistryBinary} is missing (apt-get install docker-registry)`);
  const dir = await mkdtemp(join(tmpdir(), 'strata-registry-'));
  let child: ChildProcess | undefined;
  let log = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise<void>((r) => child!.once('exit', () => r()));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child?.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort(address);
    let auth = '';
    if (options.htpasswd) {
      const file = join(dir, 'htpasswd');
      for (const [user, password] of Object.entries(options.htpasswd)) {
        const r = spawnSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
        await writeFile(file, r.stdout, { flag: 'a' });
      }
      auth = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${file}\n`;
    }
    const tls = options.tls ? `  tls:\n    certificate: ${options.tls.cert}\n    key: ${options.tls.key}\n` : '';
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n  delete:\n    enabled: true\nhttp:\n  addr: '${hostPart}:${port}'\n${tls}${auth}`,
    );
    child = spawn(dockerRegistryBinary, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${log}`);
      if ((await answers(address, port, options.tls !== undefined)) > 0) break;
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${hostPart}:${port} in 15 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { host: `${hostPart}:${port}`, port, pid: child.pid!, dir, output: () => log, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
