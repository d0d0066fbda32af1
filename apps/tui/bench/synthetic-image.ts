// A synthetic `docker save` archive written straight to disk: N files over L layers, with
// overwrites, file whiteouts, a directory whiteout and an opaque directory per layer above the base.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from '../src/testing/seeded-random.js';

interface PlannedEntry {
  path: string;
  type: 'file' | 'dir';
  size: number;
}

const BLOCK = 512;
const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

function header(path: string, type: 'file' | 'dir', size: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (s: string, off: number, len: number) => h.set(new TextEncoder().encode(s).subarray(0, len), off);
  const octal = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, '0') + '\0', off, len);
  let name = path;
  let prefix = '';
  if (name.length > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  put(name, 0, 100);
  octal(type === 'dir' ? 0o40755 : 0o100644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(type === 'dir' ? 0 : size, 124, 12);
  octal(1_700_000_000, 136, 12);
  put('        ', 148, 8);
  put(type === 'dir' ? '5' : '0', 156, 1);
  put('ustar\u000000', 257, 8);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

const tarSize = (entries: PlannedEntry[]) => entries.reduce((n, e) => n + BLOCK + (e.type === 'file' ? e.size + pad(e.size) : 0), 0) + 2 * BLOCK;

/** Plan the layers: base with most files, then layers that add, overwrite and delete. */
function planLayers(totalBytes: number, files: number, layers: number): PlannedEntry[][] {
  const rnd = seededRandom(42);
  const perLayer = [Math.floor(files / 3)];
  for (let k = 1; k < layers; k++) perLayer.push(Math.floor((files - perLayer[0]) / (layers - 1)));
  const avg = totalBytes / files;
  const plans: PlannedEntry[][] = [];
  const live: string[] = [];
  let n = 0;
  for (let k = 0; k < layers; k++) {
    const entries: PlannedEntry[] = [];
    const dirs = new Set<string>();
    const addFile = (path: string) => {
      const dir = path.slice(0, path.lastIndexOf('/'));
      const parts = dir.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        if (!dirs.has(d)) (dirs.add(d), entries.push({ path: `${d}/`, type: 'dir', size: 0 }));
      }
      // Sizes spread between 0.1x and 1.9x the average, so totals stay on target.
      entries.push({ path, type: 'file', size: Math.floor(avg * (0.1 + 1.8 * rnd())) });
    };
    let budget = perLayer[k];
    if (k > 0) {
      // Overwrite some files of the layers below, delete others (file whiteouts), a whole directory, and make one opaque.
      for (let i = 0; i < 400 && budget > 0; i++, budget--) addFile(live[Math.floor(rnd() * live.length)]);
      for (let i = 0; i < 200; i++) {
        const victim = live.splice(Math.floor(rnd() * live.length), 1)[0];
        const dir = victim.slice(0, victim.lastIndexOf('/'));
        if (!dirs.has(dir)) (dirs.add(dir), entries.push({ path: `${dir}/`, type: 'dir', size: 0 }));
        entries.push({ path: `${dir}/.wh.${victim.slice(victim.lastIndexOf('/') + 1)}`, type: 'file', size: 0 });
      }
      const goneDir = `usr/lib/pkg${String(k * 7).padStart(4, '0')}`;
      entries.push({ path: 'usr/lib/', type: 'dir', size: 0 }, { path: `usr/lib/.wh.pkg${String(k * 7).padStart(4, '0')}`, type: 'file', size: 0 });
      for (let i = live.length - 1; i >= 0; i--) if (live[i].startsWith(`${goneDir}/`)) live.splice(i, 1);
      const opaque = `usr/lib/pkg${String(k * 7 + 3).padStart(4, '0')}`;
      entries.push({ path: `${opaque}/`, type: 'dir', size: 0 }, { path: `${opaque}/.wh..wh..opq`, type: 'file', size: 0 });
      for (let i = live.length - 1; i >= 0; i--) if (live[i].startsWith(`${opaque}/`)) live.splice(i, 1);
    }
    for (; budget > 0; budget--, n++) {
      const path = `usr/lib/pkg${String(Math.floor(n / 50)).padStart(4, '0')}/sub${n % 5}/file-${n}.bin`;
      addFile(path);
      live.push(path);
    }
    plans.push(entries);
  }
  return plans;
}

/** Write the archive; returns its image tag and the figures of what it holds. */
export async function writeSyntheticArchive(
  file: string,
  opts: { totalBytes: number; files: number; layers: number },
): Promise<{ tag: string; fileEntries: number; layerBytes: number }> {
  const plans = planLayers(opts.totalBytes, opts.files, opts.layers);
  const out = createWriteStream(file, { highWaterMark: 4 << 20 });
  const write = async (b: Uint8Array) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  const zeros = new Uint8Array(1 << 20);
  const diffIds: string[] = [];
  let layerBytes = 0;
  let fileEntries = 0;
  for (let k = 0; k < plans.length; k++) {
    const size = tarSize(plans[k]);
    await write(header(`layer${k}/layer.tar`, 'file', size));
    const hash = createHash('sha256');
    const emit = async (b: Uint8Array) => {
      hash.update(b);
      await write(b);
    };
    for (const e of plans[k]) {
      await emit(header(e.path, e.type, e.size));
      if (e.type !== 'file') continue;
      if (!e.path.includes('/.wh.')) fileEntries++;
      let left = e.size + pad(e.size);
      while (left > 0) {
        const n = Math.min(left, zeros.length);
        await emit(zeros.subarray(0, n));
        left -= n;
      }
      layerBytes += e.size;
    }
    await emit(new Uint8Array(2 * BLOCK));
    await write(new Uint8Array(pad(size)));
    diffIds.push(`sha256:${hash.digest('hex')}`);
  }
  const config = new TextEncoder().encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-11-30T00:00:00Z',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: plans.map((_, k) => ({ created: '2026-11-30T00:00:00Z', created_by: `/bin/sh -c step ${k}` })),
    }),
  );
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const tag = 'bench/synthetic:1g';
  const manifest = new TextEncoder().encode(JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: plans.map((_, k) => `layer${k}/layer.tar`) }]));
  for (const [name, bytes] of [[configName, config], ['manifest.json', manifest]] as const) {
    await write(header(name, 'file', bytes.byteLength));
    await write(bytes);
    await write(new Uint8Array(pad(bytes.byteLength)));
  }
  await write(new Uint8Array(2 * BLOCK));
  out.end();
  await once(out, 'finish');
  return { tag, fileEntries, layerBytes };
}
