import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { invalid, type VolumeStore } from '@strata/core';

/** Volume data as dockerd lays it out: `<dir>/<name>/_data` (the `Mountpoint`). */
export class FsVolumeStore implements VolumeStore {
  constructor(readonly dir: string) {}

  private volumeDir(name: string): string {
    // Names are validated by the engine; this guards the filesystem against anything else.
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw invalid(`invalid volume name ${JSON.stringify(name)}`);
    return join(this.dir, name);
  }

  async create(name: string): Promise<string> {
    const data = join(this.volumeDir(name), '_data');
    await mkdir(data, { recursive: true, mode: 0o755 });
    return data;
  }

  async remove(name: string): Promise<void> {
    await rm(this.volumeDir(name), { recursive: true, force: true });
  }

  async size(name: string): Promise<number> {
    const seen = new Set<bigint>();
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, e.name);
        if (e.isDirectory()) {
          await walk(path);
          continue;
        }
        const st = await lstat(path, { bigint: true });
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
        total += Number(st.size);
      }
    };
    await walk(join(this.volumeDir(name), '_data'));
    return total;
  }
}
