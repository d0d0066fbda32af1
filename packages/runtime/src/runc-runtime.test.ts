import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrataError, type ContainerRuntimeSpec, type LogRecord } from '@strata/core';
import { nodeCodecs, nodeHasher } from '@strata/storage';
import { removeCgroupDirs } from './container/cgroup-dirs.js';
import { containerLayout } from './container/container-layout.js';
import { mountPoints } from './container/overlay-mount.js';
import { runCommand } from './host-command.js';
import { createRuncRuntime, type RuncRuntime } from './runc-runtime.js';
import { fixtureRoot, type FixtureRoot } from './testing/fixture-images.js';

const RUNC = '/usr/sbin/runc';
const CONMON = '/usr/bin/conmon';
const missing = [RUNC, CONMON, '/usr/bin/getfattr'].filter((p) => !existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'not root' : missing.length ? `missing ${missing.join(', ')} (apt-get install runc conmon attr)` : '';
if (skipReason) console.log(`runc runtime tests skipped: ${skipReason}`);

const text = (records: LogRecord[], stream?: 'stdout' | 'stderr') =>
  Buffer.concat(records.filter((r) => !stream || r.stream === stream).map((r) => r.bytes)).toString('utf8');

async function collectLogs(runtime: RuncRuntime, id: string, options = {}): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of runtime.logs(id, options)) out.push(r);
  return out;
}

/** sha256 of every file's bytes, link target and mode under a directory. */
async function treeHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = join(rel, e.name);
      const st = await lstat(join(dir, p));
      const h = createHash('sha256').update(`${st.mode} ${st.uid}:${st.gid} ${st.rdev}\n`);
      if (e.isSymbolicLink()) h.update(await readlink(join(dir, p)));
      else if (e.isFile()) h.update(await readFile(join(dir, p)));
      out.set(p, h.digest('hex'));
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk('.');
  return out;
}

describe.skipIf(skipReason !== '')('runc runtime: real containers under conmon', () => {
  let fx: FixtureRoot;
  let runtime: RuncRuntime;
  const cgroupParent = `strata-test-${process.pid}`;
  const created: string[] = [];
  const runtimeOptions = () => ({
    dataRoot: fx.dir,
    content: fx.dataRoot.content,
    codecs: nodeCodecs,
    hasher: nodeHasher,
    runcRoot: join(fx.dir, 'runc'),
    cgroupParent,
  });

  const spec = (args: string[], extra: Partial<ContainerRuntimeSpec> = {}): ContainerRuntimeSpec => {
    const id = randomBytes(32).toString('hex');
    created.push(id);
    return {
      id,
      name: `test-${id.slice(0, 6)}`,
      hostname: id.slice(0, 12),
      layers: fx.layers['01-base'],
      process: { args, env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false },
      ...extra,
    };
  };

  /** prepare + start + wait: the container's exit and output. */
  const run = async (args: string[], extra: Partial<ContainerRuntimeSpec> = {}) => {
    const s = spec(args, extra);
    await runtime.prepare(s);
    await runtime.start(s.id);
    const exit = await runtime.waitExit(s.id);
    return { id: s.id, exit, records: await collectLogs(runtime, s.id) };
  };

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base', '02-whiteout']);
    runtime = createRuncRuntime(runtimeOptions());
    expect(await runtime.available()).toEqual({ ok: true });
  });

  afterAll(async () => {
    const failures: unknown[] = [];
    for (const id of created) await runtime?.remove(id).catch((e) => failures.push(e));
    await removeCgroupDirs(`/${cgroupParent}`);
    await fx?.close();
    expect(failures).toEqual([]);
  });

  it('echo hi: one stdout record "hi\\n", exit 0', async () => {
    const { exit, records } = await run(['echo', 'hi']);
    expect(exit.exitCode).toBe(0);
    expect(records.map((r) => [r.stream, Buffer.from(r.bytes).toString(), r.partial])).toEqual([['stdout', 'hi\n', false]]);
    expect(records[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    // finishedAt is the exit file's mtime, which the kernel stamps from its coarse clock (one tick,
    // up to 10 ms at HZ=100, behind the precise clock conmon stamps log records with).
    expect(Date.parse(exit.finishedAt)).toBeGreaterThanOrEqual(Date.parse(records[0].time) - 20);
  });

  it('keeps stdout and stderr apart and returns the exit code', async () => {
    const { id, exit, records } = await run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(exit.exitCode).toBe(3);
    expect(text(records, 'stdout')).toBe('out\n');
    expect(text(records, 'stderr')).toBe('err\n');
    const s = await runtime.state(id);
    expect(s.status).toBe('exited');
    expect(s.exit).toEqual(exit);
    expect(text(await collectLogs(runtime, id, { tail: 1 }))).toBe(records.at(-1) && Buffer.from(records.at(-1)!.bytes).toString());
  });

  it('hostname prints the short ID; id -u prints 0; /etc files are Docker\'s', async () => {
    const h = await run(['hostname']);
    expect(text(h.records)).toBe(`${h.id.slice(0, 12)}\n`);
    const u = await run(['id', '-u']);
    expect(text(u.records)).toBe('0\n');
    const n = await run(['id', '-u'], { process: { ...spec([]).process, args: ['id', '-u'], user: '1000:1000' } });
    expect(text(n.records)).toBe('1000\n');
    const hosts = await run(['cat', '/etc/hosts', '/etc/hostname']);
    expect(text(hosts.records)).toBe(`127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n${hosts.id.slice(0, 12)}\n`);
  });

  it('a container that rewrites and deletes image files leaves the snapshot byte-identical; upper/ holds the changes', async () => {
    const snapshotDir = join(fx.dir, 'snapshots', runtime.snapshots.names(fx.layers['01-base'])[0]);
    // The fixture's own `docker run` (container-command.txt of 01-base).
    const script = 'echo new > /new-file.txt; mkdir -p /newdir/sub; echo x > /newdir/sub/f; rm /bin/sleep; rm /bin/echo; echo replaced > /bin/echo; touch /bin/ls 2>&1; rm /bin/httpd; echo done';
    const s = spec(['sh', '-c', script]);
    await runtime.prepare(s);
    const before = await treeHashes(snapshotDir);
    expect(before.size).toBe(13);
    await runtime.start(s.id);
    expect((await runtime.waitExit(s.id)).exitCode).toBe(0);
    expect(text(await collectLogs(runtime, s.id))).toBe('done\n');
    expect(await treeHashes(snapshotDir)).toEqual(before);
    const upper = containerLayout(fx.dir, s.id).upper;
    for (const gone of ['bin/sleep', 'bin/httpd']) {
      const st = await lstat(join(upper, gone));
      expect([st.isCharacterDevice(), st.rdev]).toEqual([true, 0]);
    }
    expect(await readFile(join(upper, 'bin/echo'), 'utf8')).toBe('replaced\n');
    expect(await readFile(join(upper, 'new-file.txt'), 'utf8')).toBe('new\n');
    expect(await readFile(join(upper, 'newdir/sub/f'), 'utf8')).toBe('x\n');
    expect((await runtime.writableSize!(s.id)) >= 'replaced\n'.length + 'new\n'.length + 'x\n'.length).toBe(true);
  });

  it('kill SIGTERM of sleep 100 under --init exits 143; without an init, KILL gives 137', async () => {
    const s = spec(['sleep', '100'], { init: true });
    await runtime.prepare(s);
    const { pid } = await runtime.start(s.id);
    expect(pid).toBeGreaterThan(1);
    expect((await runtime.state(s.id)).status).toBe('running');
    const top = await runtime.top!(s.id);
    expect(top.Titles).toContain('PID');
    expect(top.Processes.map((p) => p.at(-1))).toEqual(expect.arrayContaining(['/sbin/docker-init -- sleep 100', 'sleep 100']));
    await runtime.kill(s.id, 'SIGTERM');
    expect((await runtime.waitExit(s.id)).exitCode).toBe(143);
    const k = spec(['sleep', '100']);
    await runtime.prepare(k);
    await runtime.start(k.id);
    await runtime.kill(k.id, '9');
    expect((await runtime.waitExit(k.id)).exitCode).toBe(137);
    await expect(runtime.kill(k.id, 'KILL')).rejects.toThrow(`Container ${k.id} is not running`);
    await expect(runtime.kill(k.id, 'NOPE')).rejects.toThrow('Invalid signal: NOPE');
  });

  it('pause and resume: paused, then running again; start again after exit', async () => {
    const s = spec(['sh', '-c', 'while true; do sleep 0.05; done']);
    await runtime.prepare(s);
    await runtime.start(s.id);
    await runtime.pause(s.id);
    expect((await runtime.state(s.id)).status).toBe('paused');
    if (existsSync('/sys/fs/cgroup/freezer')) {
      // runc 1.1 freezes through the v1 freezer on this hybrid layout (runtime-recipes §3.4e).
      const freezer = await readFile(join('/sys/fs/cgroup/freezer', runtime.cgroupPath(s.id), 'freezer.state'), 'utf8');
      expect(freezer.trim()).toBe('FROZEN');
    }
    await expect(runtime.pause(s.id)).rejects.toThrow('is already paused');
    await runtime.resume(s.id);
    expect((await runtime.state(s.id)).status).toBe('running');
    await runtime.kill(s.id, 'KILL');
    expect((await runtime.waitExit(s.id)).exitCode).toBe(137);
    // docker restart: the same container runs again.
    await runtime.start(s.id);
    expect((await runtime.state(s.id)).status).toBe('running');
    await runtime.kill(s.id, 'KILL');
    expect((await runtime.waitExit(s.id)).exitCode).toBe(137);
  });

  it('the container outlives the runtime object that started it; a new one sees it running and waits for it', async () => {
    const s = spec(['sh', '-c', 'echo started; sleep 1; echo finished; exit 7']);
    await runtime.prepare(s);
    await runtime.start(s.id);
    // conmon has left the test process behind: another parent and its own session (setsid).
    const conmonPid = Number(await readFile(containerLayout(fx.dir, s.id).conmonPidFile, 'utf8'));
    const stat = (await readFile(`/proc/${conmonPid}/stat`, 'utf8')).split(') ')[1].split(' ');
    expect(Number(stat[1])).not.toBe(process.pid);
    expect(Number(stat[3])).toBe(conmonPid);
    const adopted = createRuncRuntime(runtimeOptions());
    expect(await adopted.list()).toContain(s.id);
    expect((await adopted.state(s.id)).status).toBe('running');
    const follow: LogRecord[] = [];
    for await (const r of adopted.logs(s.id, { follow: true })) follow.push(r);
    expect(text(follow)).toBe('started\nfinished\n');
    expect((await adopted.waitExit(s.id)).exitCode).toBe(7);
    expect((await adopted.state(s.id)).status).toBe('exited');
  });

  it('isolation as Docker sets it: default capabilities minus what the engine lacks, nofile clamped, masked and read-only /proc paths, loopback only', async () => {
    const { exit, records } = await run(['sh', '-c', 'ulimit -n; cat /proc/self/status; ls -l /proc/keys; ls /sys/firmware | cat; ls /sys/class/net; echo x > /proc/sys/kernel/hostname || echo ro']);
    expect(exit.exitCode).toBe(0);
    const out = text(records, 'stdout');
    const nofile = Number(out.split('\n')[0]);
    const ownHard = Number(/^Max open files\s+\S+\s+(\S+)/m.exec(await readFile('/proc/self/limits', 'utf8'))![1]);
    expect(nofile).toBe(Math.min(1048576, ownHard));
    // Docker's 14 default capabilities (CAP_AUDIT_WRITE..CAP_CHOWN) = 0xa80425fb; none is CAP_SYS_RESOURCE.
    expect(/^CapBnd:\s*(\S+)$/m.exec(out)?.[1]).toBe('00000000a80425fb');
    expect(/^CapEff:\s*(\S+)$/m.exec(out)?.[1]).toBe('00000000a80425fb');
    expect(/^NoNewPrivs:\s*(\S+)$/m.exec(out)?.[1]).toBe('0');
    expect(out).toMatch(/keys\nlo\nro\n$/);
    expect(out).not.toMatch(/\neth0\n/);
    expect(out.trimEnd().split('\n').at(-1)).toBe('ro');
    // Masked: /dev/null bound over it.
    // Masked: /dev/null bound over files, an empty read-only tmpfs over directories.
    expect(out).toMatch(/^c[-rw]{9} .* 1,\s+3 .*\/proc\/keys$/m);
    expect(text(records, 'stderr')).toBe("sh: can't create /proc/sys/kernel/hostname: Read-only file system\n");
  });

  it('an executable that does not exist fails start with dockerd\'s message', async () => {
    const s = spec(['nope']);
    await runtime.prepare(s);
    const error = await runtime.start(s.id).then(() => undefined, (e: unknown) => e);
    expect(isStrataError(error, 'invalid')).toBe(true);
    expect((error as Error).message).toBe(
      'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
    );
    const denied = spec(['/bin']);
    await runtime.prepare(denied);
    await expect(runtime.start(denied.id)).rejects.toThrow('exec: "/bin": permission denied: unknown');
    expect((await runtime.state(s.id)).status).toBe('prepared');
  });

  it('a TTY container logs everything as stdout with pty line ends', async () => {
    const base = spec([]).process;
    const { exit, records } = await run(['sh', '-c', 'echo out; echo err >&2; tty'], { process: { ...base, args: ['sh', '-c', 'echo out; echo err >&2; tty'], tty: true } });
    expect(exit.exitCode).toBe(0);
    expect(records.every((r) => r.stream === 'stdout')).toBe(true);
    expect(text(records)).toBe('out\r\nerr\r\n/dev/pts/0\r\n');
  });

  it('removeUnusedSnapshots keeps what containers still use', async () => {
    const base = runtime.snapshots.names(fx.layers['01-base']);
    const whiteout = await runtime.snapshots.ensure(fx.layers['02-whiteout']);
    expect(whiteout[0]).toBe(base[0]);
    const removed = await runtime.removeUnusedSnapshots([]);
    expect(removed.sort()).toEqual(whiteout.slice(1).sort());
    expect(existsSync(join(runtime.snapshots.dir, base[0], 'bin/busybox'))).toBe(true);
  });

  it('a volatile spec (--rm) mounts its root with overlayfs volatile; others do not', async () => {
    const rm = spec(['busybox', 'true'], { volatile: true });
    const kept = spec(['busybox', 'true']);
    await runtime.prepare(rm);
    await runtime.prepare(kept);
    const options = (id: string) => {
      const merged = containerLayout(fx.dir, id).merged;
      const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === merged) ?? '';
      return line.split(' - ')[1]?.split(' ')[2]?.split(',') ?? [];
    };
    // Kernels show it as `volatile` or, since 6.x, as `fsync=volatile`.
    const isVolatile = (id: string) => options(id).some((o) => o === 'volatile' || o === 'fsync=volatile');
    expect(options(rm.id).some((o) => o.startsWith('upperdir='))).toBe(true);
    expect(isVolatile(rm.id)).toBe(true);
    expect(isVolatile(kept.id)).toBe(false);
    // A second start mounts it again (the kernel's volatile marker is cleared first).
    await runtime.start(rm.id);
    expect((await runtime.waitExit(rm.id)).exitCode).toBe(0);
    await runtime.release!(rm.id);
    await runtime.start(rm.id);
    expect((await runtime.waitExit(rm.id)).exitCode).toBe(0);
    await runtime.remove(rm.id);
    await runtime.remove(kept.id);
  });

  it('remove leaves no mount, no container dir, no runc state and no cgroup', async () => {
    const s = spec(['sleep', '100']);
    await runtime.prepare(s);
    await runtime.start(s.id);
    const layout = containerLayout(fx.dir, s.id);
    expect((await mountPoints()).has(layout.merged)).toBe(true);
    const cgroupDirs = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'].map((h) => join(h, runtime.cgroupPath(s.id)));
    expect(cgroupDirs.some((d) => existsSync(d))).toBe(true);
    await runtime.remove(s.id);
    expect((await mountPoints()).has(layout.merged)).toBe(false);
    expect(existsSync(layout.dir)).toBe(false);
    expect(existsSync(layout.exitFile)).toBe(false);
    const state = await runCommand(RUNC, ['--root', join(fx.dir, 'runc'), 'state', s.id]);
    expect(state.code).not.toBe(0);
    expect(cgroupDirs.filter((d) => existsSync(d))).toEqual([]);
    expect(await runtime.list()).not.toContain(s.id);
  });
});
