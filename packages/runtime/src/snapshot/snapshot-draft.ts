import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError, chainIds, digestHex, type Digest, type Hasher, type SnapshotDraft } from '@strata/core';

/** Where drafts go and what they may be named, given by the SnapshotStore that owns them. */
export interface DraftPlace {
  dir: string;
  hasher: Hasher;
  tar: string;
  /** Prefix of unfinished snapshot dirs (removed by housekeeping unless in use). */
  partialPrefix: string;
  /** Marks a partial dir name as in use (true) or not (false), so housekeeping leaves it alone. */
  inUse(name: string, busy: boolean): void;
}

/**
 * GNU tar unpacking a layer tar from its stdin into a `.partial-draft-*` dir beside the snapshots,
 * renamed to the stack's chainID on commit. The tar is already in overlayfs form (the engine wrote
 * it), so the bytes go to tar as they are, with no rewriting pass.
 */
export async function startSnapshotDraft(place: DraftPlace): Promise<SnapshotDraft> {
  await mkdir(place.dir, { recursive: true });
  const name = `${place.partialPrefix}draft-${randomBytes(8).toString('hex')}`;
  const partial = join(place.dir, name);
  place.inUse(name, true);
  await mkdir(partial, { mode: 0o755 });
  const args = ['-x', '-C', partial, '--xattrs', '--xattrs-include=*', '--same-owner', '-p', '--numeric-owner', '-f', '-'];
  const child = spawn(place.tar, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (code) => resolve(code ?? 1));
  });
  const stdin = child.stdin!;
  let feedError: unknown;
  stdin.on('error', (e) => (feedError ??= e));
  let settled = false;
  const drop = async (): Promise<void> => {
    if (settled) return;
    settled = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(partial, { recursive: true, force: true });
    place.inUse(name, false);
  };
  return {
    async write(chunk) {
      if (settled || stdin.destroyed) throw new StrataError('internal', `snapshot draft closed: ${String(feedError ?? 'tar exited')}`);
      if (!stdin.write(chunk)) await Promise.race([once(stdin, 'drain'), exited]);
    },
    async commit(diffIds: readonly Digest[]) {
      if (settled) throw new StrataError('internal', 'snapshot draft already finished');
      stdin.end();
      const code = await exited;
      if (code !== 0 || feedError) {
        const why = Buffer.concat(stderr).toString('utf8').trim() || String(feedError ?? `tar exited ${code}`);
        await drop();
        throw new StrataError('internal', `unpacking a drafted layer snapshot failed: ${why}`);
      }
      const ids = chainIds([...diffIds], place.hasher);
      const final = join(place.dir, digestHex(ids[ids.length - 1]!));
      settled = true;
      try {
        await rename(partial, final);
      } catch (e) {
        // The same stack was unpacked meanwhile (another build, or a container of the image): keep that one.
        const code = (e as NodeJS.ErrnoException).code;
        const exists = await stat(final).then((s) => s.isDirectory(), () => false);
        await rm(partial, { recursive: true, force: true });
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !exists) throw e;
      } finally {
        place.inUse(name, false);
      }
    },
    abort: drop,
  };
}
