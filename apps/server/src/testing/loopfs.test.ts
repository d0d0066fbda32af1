import { existsSync, readFileSync, readdirSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountPointsUnder } from './dockerd.js';
import { loopDevicesOf, loopExt4Unavailable, mountLoopExt4, type LoopExt4 } from './loopfs.js';

const EXT4_SUPER_MAGIC = 0xef53;
const skip = loopExt4Unavailable();

describe.skipIf(skip !== undefined)('mountLoopExt4', () => {
  const mounted: LoopExt4[] = [];
  afterAll(async () => {
    for (const fs of mounted) if (existsSync(fs.image)) await fs.unmount();
  });

  async function mount(sizeMB: number): Promise<LoopExt4> {
    const fs = await mountLoopExt4(sizeMB);
    if ('skip' in fs) throw new Error(fs.skip);
    mounted.push(fs);
    return fs;
  }

  it('mounts a fresh ext4 of the asked size on a loop device', async () => {
    const fs = await mount(64);
    const st = statfsSync(fs.dir);
    expect(st.type).toBe(EXT4_SUPER_MAGIC);
    const totalMB = (st.blocks * st.bsize) / (1024 * 1024);
    expect(totalMB).toBeGreaterThan(50);
    expect(totalMB).toBeLessThanOrEqual(64);
    expect(readdirSync(fs.dir)).toEqual(['lost+found']);
    expect(mountPointsUnder(fs.dir)).toEqual([fs.dir]);
    expect(fs.device).toMatch(/^\/dev\/loop\d+$/);
    expect(loopDevicesOf(fs.image)).toEqual([fs.device]);
    // sparse: the image takes far less disk than its size
    expect(statSync(fs.image).size).toBe(64 * 1024 * 1024);
    expect(statSync(fs.image).blocks * 512).toBeLessThan(32 * 1024 * 1024);
  });

  it('holds files, and two mounts are independent', async () => {
    const a = await mount(32);
    const b = await mount(32);
    writeFileSync(join(a.dir, 'f'), 'in a');
    expect(readFileSync(join(a.dir, 'f'), 'utf8')).toBe('in a');
    expect(existsSync(join(b.dir, 'f'))).toBe(false);
    expect(a.device).not.toBe(b.device);
  });

  it('unmounts, frees the loop device and removes its temp dir, even with files in it', async () => {
    const fs = await mount(32);
    writeFileSync(join(fs.dir, 'data'), new Uint8Array(1 << 20));
    const root = dirname(fs.dir);
    await fs.unmount();
    expect(mountPointsUnder(root)).toEqual([]);
    expect(loopDevicesOf(fs.image)).toEqual([]);
    expect(existsSync(root)).toBe(false);
  });

  it('says why when it cannot format', async () => {
    const fs = await mountLoopExt4(0);
    expect(fs).toEqual({ skip: expect.stringMatching(/^loop ext4 unavailable: mkfs\.ext4 failed: /) });
  });
});
