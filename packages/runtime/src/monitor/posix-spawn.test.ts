import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { canSpawnDetached, spawnDetachedProcess } from './posix-spawn.js';

const text = (s: NodeJS.ReadableStream) =>
  new Promise<string>((resolve) => {
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
  });

describe.skipIf(!canSpawnDetached())('posix_spawn of a detached child', () => {
  it('wires pipes to the asked fds, passes argv and env, and reports the exit code', async () => {
    const child = spawnDetachedProcess('/bin/sh', ['-c', 'read x <&4; echo "$x $GREETING" >&3; echo err >&2; exit 7'], { GREETING: 'hello', PATH: '/usr/bin:/bin' }, ['null', 'null', 'read', 'read', 'write']);
    const fd3 = text(child.pipes.get(3)!);
    const fd2 = text(child.pipes.get(2)!);
    child.pipes.get(4)!.end('sent\n');
    expect(await fd3).toBe('sent hello\n');
    expect(await fd2).toBe('err\n');
    expect(await child.exited).toBe(7);
  });

  it('starts the child in its own session with default signals and none blocked', async () => {
    const child = spawnDetachedProcess('/bin/sh', ['-c', 'cat /proc/self/stat >&3; grep -E "^Sig(Blk|Ign)" /proc/self/status >&3'], {}, ['null', 'null', 'null', 'read']);
    const out = await text(child.pipes.get(3)!);
    const fields = out.split('\n')[0]!.slice(out.indexOf(')') + 2).split(' ');
    expect(Number(fields[3])).toBe(child.pid); // session id = its own pid
    expect(out).toContain('SigBlk:\t0000000000000000');
    // None of the standard signals is ignored (the engine ignores SIGPIPE and SIGXFSZ); glibc's posix_spawn
    // leaves only its two internal signals (32, 33) ignored, which every glibc or Go program reinstalls.
    const ignored = BigInt(`0x${/^SigIgn:\t([0-9a-f]+)$/m.exec(out)![1]}`);
    expect(ignored & 0x7fffffffn).toBe(0n);
    expect(await child.exited).toBe(0);
  });

  it('a signal death is 128 + n; a missing binary is an error', async () => {
    const child = spawnDetachedProcess('/bin/sh', ['-c', 'kill -TERM $$'], {}, ['null', 'null', 'null']);
    expect(await child.exited).toBe(143);
    expect(() => spawnDetachedProcess('/nonexistent/binary', [], {}, ['null'])).toThrow(/posix_spawn \/nonexistent\/binary: errno 2/);
    expect(await readFile('/proc/self/status', 'utf8')).toContain('Name:');
  });
});
