// Test support: runs the real docker CLI against a daemon address with a private config dir.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The docker CLI the end-to-end tests drive. */
export const dockerBinary = ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for `docker save` to stdout. */
  stdoutBytes: Buffer;
}

/** Runs `docker ARGS` with DOCKER_HOST=host and DOCKER_CONFIG=configDir, feeding `input` on stdin. */
export function runDocker(
  host: string,
  configDir: string,
  args: string[],
  options: { input?: Uint8Array | string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<DockerResult> {
  if (!dockerBinary) throw new Error('no docker CLI on this machine');
  return new Promise((resolve, reject) => {
    const child = spawn(dockerBinary, args, {
      // TZ=UTC: the CLI prints times in local time, the fixtures hold them in UTC
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, DOCKER_HOST: host, DOCKER_CONFIG: configDir, TZ: 'UTC', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? (signal ? 128 : -1), stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Starts `docker ARGS` without waiting (for `docker events` that streams); the caller kills it by PID. */
export function spawnDocker(host: string, configDir: string, args: string[]) {
  if (!dockerBinary) throw new Error('no docker CLI on this machine');
  return spawn(dockerBinary, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, DOCKER_HOST: host, DOCKER_CONFIG: configDir, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
