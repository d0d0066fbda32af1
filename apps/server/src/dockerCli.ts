// Test support: runs the real docker CLI against a daemon address with a private config dir.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The docker CLI the end-to-end tests drive. */
export const dockerBinary = ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `docker ARGS` with DOCKER_HOST=host and DOCKER_CONFIG=configDir, feeding `input` on stdin. */
export function runDocker(
  host: string,
  configDir: string,
  args: string[],
  options: { input?: Uint8Array | string; timeoutMs?: number } = {},
): Promise<DockerResult> {
  if (!dockerBinary) throw new Error('no docker CLI on this machine');
  return new Promise((resolve, reject) => {
    const child = spawn(dockerBinary, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, DOCKER_HOST: host, DOCKER_CONFIG: configDir },
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
      resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
