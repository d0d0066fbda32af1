import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { socketRequest } from './socketRequest.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`seccomp e2e skipped: ${skipReason}`);

// PID 1's seccomp mode, then unshare(2), which Docker's profile allows only with CAP_SYS_ADMIN.
const PROBE = ['sh', '-c', 'exec 2>&1; grep Seccomp: /proc/1/status; unshare -U true && echo unshare-ok'];
// What a private dockerd 20.10.24 printed for the same commands on this machine.
const FILTERED = 'Seccomp:\t2\nunshare: unshare(0x10000000): Operation not permitted\n';
const UNFILTERED = 'Seccomp:\t0\nunshare-ok\n';

describe.skipIf(skipReason !== '')("Docker's seccomp profile through the real docker CLI", () => {
  let daemon: StratadProcess;
  let profileDir: string;
  const docker = (...args: string[]) => daemon.docker(args, { timeoutMs: 30_000 });
  const api = (method: string, path: string, body?: unknown) =>
    socketRequest(daemon.socket, method, `/v1.41${path}`, body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' });

  beforeAll(async () => {
    profileDir = mkdtempSync(join(tmpdir(), 'strata-seccomp-'));
    daemon = await startStratad();
    expect((await docker('load', '-i', join(fixturesDir, 'images/01-base/image.tar'))).stdout).toBe('Loaded image: busybox:local\n');
  });

  afterEach(async () => {
    const ids = (await docker('ps', '-a', '-q')).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker('rm', '-f', ...ids);
  });

  afterAll(async () => {
    await daemon?.dispose();
    rmSync(profileDir, { recursive: true, force: true });
  });

  it('docker info lists name=seccomp,profile=default as dockerd does', async () => {
    expect((await docker('info', '--format', '{{json .SecurityOptions}}')).stdout).toBe('["name=seccomp,profile=default"]\n');
  });

  it('docker run: filtered by default (Seccomp: 2, unshare EPERM); seccomp=unconfined and --privileged run without a filter', async () => {
    const plain = await docker('run', '--rm', 'busybox:local', ...PROBE);
    expect([plain.code, plain.stdout]).toEqual([1, FILTERED]);
    const unconfined = await docker('run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox:local', ...PROBE);
    expect([unconfined.code, unconfined.stdout]).toEqual([0, UNFILTERED]);
    const privileged = await docker('run', '--rm', '--privileged', 'busybox:local', 'sh', '-c', 'grep Seccomp: /proc/1/status');
    expect([privileged.code, privileged.stdout, privileged.stderr]).toEqual([0, 'Seccomp:\t0\n', '']);
  });

  it('--security-opt seccomp=<file>: the CLI sends the profile and the container runs under it', async () => {
    const file = join(profileDir, 'no-mkdir.json');
    writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }, null, 2));
    const r = await docker('run', '--rm', '--security-opt', `seccomp=${file}`, 'busybox:local', 'sh', '-c', 'exec 2>&1; grep Seccomp: /proc/1/status; mkdir /made; unshare -U true && echo unshare-ok');
    expect([r.code, r.stdout]).toEqual([0, "Seccomp:\t2\nmkdir: can't create directory '/made': Operation not permitted\nunshare-ok\n"]);
  });

  it('docker inspect shows the security options as given', async () => {
    expect((await docker('create', '--name', 'opts', '--security-opt', 'seccomp=unconfined', 'busybox:local', 'true')).code).toBe(0);
    expect((await docker('inspect', '--format', '{{json .HostConfig.SecurityOpt}}', 'opts')).stdout).toBe('["seccomp=unconfined"]\n');
  });

  it("docker exec runs under the container's filter", async () => {
    expect((await docker('run', '-d', '--name', 'filtered', 'busybox:local', 'sleep', '60')).code).toBe(0);
    const r = await docker('exec', 'filtered', 'sh', '-c', 'exec 2>&1; grep Seccomp: /proc/self/status; unshare -U true && echo unshare-ok');
    expect([r.code, r.stdout]).toEqual([1, 'Seccomp:\t2\nunshare: unshare(0x10000000): Operation not permitted\n']);
  });

  it("malformed security options get dockerd's words and write nothing", async () => {
    const before = (await docker('ps', '-a', '-q')).stdout;
    const one = await api('POST', '/containers/create', { Image: 'busybox:local', Cmd: ['true'], HostConfig: { SecurityOpt: ['seccomp'] } });
    expect([one.status, one.json]).toEqual([400, { message: 'invalid --security-opt 1: "seccomp"' }]);
    const two = await api('POST', '/containers/create', { Image: 'busybox:local', Cmd: ['true'], HostConfig: { SecurityOpt: ['foo=bar'] } });
    expect([two.status, two.json]).toEqual([400, { message: 'invalid --security-opt 2: "foo=bar"' }]);
    const json = await api('POST', '/containers/create', { Image: 'busybox:local', Cmd: ['true'], HostConfig: { SecurityOpt: ['seccomp={"defaultAction":'] } });
    expect(json.status).toBe(400);
    expect((json.json as { message: string }).message).toMatch(/^Decoding seccomp profile failed: /);
    expect((await docker('ps', '-a', '-q')).stdout).toBe(before);
  });
});
