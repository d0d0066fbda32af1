import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FileEntry, FileName, FileStat, FileTree } from '@strata/core';
import { HostTree, dockerXattrsOf, kindOfDirent, lstatHost, sortByName, statHost } from './host-tree.js';
import { getAttributeSync } from '@napi-rs/xattr';
import { type HostStat, isCharStat, isDirectoryStat } from './host-stat.js';

/** A host directory that makes up a directory of the merged tree, and the layer it is in. */
interface Contributor {
  layer: number;
  host: string;
}

const isWhiteout = (st: HostStat) => isCharStat(st) && st.rdevMajor === 0 && st.rdevMinor === 0;

const lstatOrUndefined = async (path: string): Promise<HostStat | undefined> => lstatHost(path);

/**
 * The image's layer snapshots (overlayfs form: deletions as 0/0 char devices, opaque directories
 * marked with `trusted.overlay.opaque=y`) read as the one tree overlayfs would show, without a
 * mount: a path is taken from the topmost layer that has it, a whiteout or a non-directory hides
 * it in the layers below, and so does an opaque directory for its contents.
 */
export class LowerTree implements FileTree {
  /** For each directory: the host directories that make it up, top first (undefined: not a directory). */
  private readonly dirs = new Map<string, Promise<Contributor[] | undefined>>();

  /** `layers`: the snapshot directories, top first. */
  constructor(private readonly layers: readonly string[]) {}

  private async isOpaque(layerIndex: number, path: string): Promise<boolean> {
    // Nothing lies below the bottom layer, so its markers never matter (and are never read).
    if (layerIndex === this.layers.length - 1) return false;
    return getAttributeSync(path === '' ? this.layers[layerIndex] : join(this.layers[layerIndex], path), 'trusted.overlay.opaque')?.[0] === 0x79;
  }

  private contributors(dir: string): Promise<Contributor[] | undefined> {
    let found = this.dirs.get(dir);
    if (!found) {
      found = this.findContributors(dir);
      this.dirs.set(dir, found);
    }
    return found;
  }

  private async findContributors(dir: string): Promise<Contributor[] | undefined> {
    const out: Contributor[] = [];
    if (dir === '') {
      for (let layer = 0; layer < this.layers.length; layer++) {
        out.push({ layer, host: this.layers[layer] });
        if (await this.isOpaque(layer, '')) break;
      }
      return out;
    }
    const slash = dir.lastIndexOf('/');
    const parent = await this.contributors(slash < 0 ? '' : dir.slice(0, slash));
    if (!parent) return undefined;
    for (const p of parent) {
      const host = join(p.host, dir.slice(slash + 1));
      const st = await lstatOrUndefined(host);
      if (!st) continue;
      if (!isDirectoryStat(st)) {
        if (out.length === 0 && !isWhiteout(st)) return undefined;
        break;
      }
      out.push({ layer: p.layer, host });
      if (await this.isOpaque(p.layer, dir)) break;
    }
    return out.length > 0 ? out : undefined;
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    if (path === '') return new HostTree(this.layers[0]).lstat('');
    const slash = path.lastIndexOf('/');
    const parent = await this.contributors(slash < 0 ? '' : path.slice(0, slash));
    if (!parent) return undefined;
    const name = path.slice(slash + 1);
    for (const p of parent) {
      const host = join(p.host, name);
      const st = await lstatOrUndefined(host);
      if (!st) continue;
      if (isWhiteout(st)) return undefined;
      return statHost(host, st);
    }
    return undefined;
  }

  async names(path: string): Promise<FileName[]> {
    const hosts = await this.contributors(path);
    if (!hosts) return [];
    const seen = new Set<string>();
    const out: FileName[] = [];
    for (const { host } of hosts) {
      for (const d of readdirSync(host, { withFileTypes: true })) {
        if (seen.has(d.name)) continue;
        seen.add(d.name);
        const kind = kindOfDirent(d);
        if (kind === 'char') {
          const st = lstatHost(`${host}/${d.name}`);
          if (!st || isWhiteout(st)) continue;
        }
        out.push({ name: d.name, kind });
      }
    }
    return sortByName(out, (n) => n.name);
  }

  async list(path: string): Promise<FileEntry[]> {
    const hosts = await this.contributors(path);
    if (!hosts) return [];
    const seen = new Set<string>();
    const out: FileEntry[] = [];
    for (const { host } of hosts) {
      for (const name of readdirSync(host)) {
        if (seen.has(name)) continue;
        seen.add(name);
        const st = lstatHost(join(host, name));
        if (!st || isWhiteout(st)) continue;
        out.push({ name, stat: statHost(join(host, name), st) });
      }
    }
    return sortByName(out, (e) => e.name);
  }

  read(path: string): ReadableStream<Uint8Array> {
    let inner: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const open = async () => {
      const slash = path.lastIndexOf('/');
      for (const p of (await this.contributors(slash < 0 ? '' : path.slice(0, slash))) ?? []) {
        if (await lstatOrUndefined(join(p.host, path.slice(slash + 1)))) return new HostTree(this.layers[p.layer]).read(path).getReader();
      }
      throw new Error(`no such file in the image: ${path}`);
    };
    return new ReadableStream<Uint8Array>(
      {
        async pull(c) {
          inner ??= await open();
          const { done, value } = await inner.read();
          if (done) c.close();
          else c.enqueue(value);
        },
        async cancel(reason) {
          await inner?.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  async xattrs(path: string): Promise<Record<string, Uint8Array>> {
    const slash = path.lastIndexOf('/');
    for (const p of (await this.contributors(slash < 0 ? '' : path.slice(0, slash))) ?? []) {
      const host = join(p.host, path.slice(slash + 1));
      if (lstatHost(host)) return dockerXattrsOf(host);
    }
    return {};
  }
}
