// The images the benchmark loads: one ~150 MB image of a few thousand files of mixed sizes in four
// layers, and fifty small images that differ only in their config and share one tiny layer.
// Everything comes from a seeded PRNG, so every run and every machine gets the same bytes.
import { join } from 'node:path';
import { archiveLayer, imageId, writeDockerArchive, type ArchiveImage, type ArchiveLayer } from './imageArchive.js';
import { SeededRandom } from './seededRandom.js';
import { TarWriter } from './tarWriter.js';

const MTIME = 1_700_000_000;
const encoder = new TextEncoder();

/** An archive written for the benchmark. */
export interface BenchArchive {
  path: string;
  bytes: number;
  /** Image IDs (`sha256:<hex>`) in the archive's order. */
  imageIds: string[];
  repoTags: string[];
  layers: number;
  files: number;
}

/** Architecture name as Docker spells it for this machine. */
function dockerArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

function config(diffIds: string[], history: string[], labels: Record<string, string>, created: string): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      architecture: dockerArch(),
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
        WorkingDir: '/',
        Labels: labels,
      },
      created,
      history: history.map((created_by) => ({ created, created_by })),
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
}

interface LayerPlan {
  files: number;
  bigFiles: number;
  /** Paths of files from lower layers that this layer deletes (whiteouts). */
  deletes: string[];
}

/** Builds one layer tar: directories first, files of log-uniform sizes, a few symlinks and big files. */
function buildLayer(random: SeededRandom, index: number, plan: LayerPlan, created: string[]): { tar: Uint8Array; files: number } {
  const chunks: Uint8Array[] = [];
  const tar = new TarWriter((c) => chunks.push(c));
  const dirs = new Set<string>();
  const ensureDir = (path: string) => {
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        tar.directory(dir, MTIME);
      }
    }
  };
  let files = 0;
  const packages = Math.max(1, Math.round(plan.files / 60));
  for (let i = 0; i < plan.files; i++) {
    const pkg = random.int(0, packages - 1);
    const sub = random.int(0, 3);
    const path = `usr/lib/layer${index}/pkg${pkg}/d${sub}/file${i}.${['so', 'py', 'txt', 'json', 'bin'][i % 5]}`;
    ensureDir(path);
    if (i % 97 === 13 && created.length > 0) {
      tar.symlink(path, `/${created.at(-1)}`, MTIME);
    } else {
      tar.file(path, random.bytes(random.logUniform(64, 256 * 1024)), MTIME, i % 11 === 0 ? 0o755 : 0o644);
      created.push(path);
    }
    files++;
  }
  for (let i = 0; i < plan.bigFiles; i++) {
    const path = `opt/layer${index}/blob${i}.pack`;
    ensureDir(path);
    tar.file(path, random.bytes(random.int(4, 8) * 1024 * 1024), MTIME);
    files++;
  }
  for (const path of plan.deletes) {
    ensureDir(path);
    const slash = path.lastIndexOf('/');
    tar.file(`${path.slice(0, slash)}/.wh.${path.slice(slash + 1)}`, new Uint8Array(0), MTIME, 0o600);
    files++;
  }
  tar.end();
  return { tar: Buffer.concat(chunks), files };
}

/** Writes the ~150 MB many-file image archive into `dir`. */
export function writeManyFilesImage(dir: string): BenchArchive {
  const random = new SeededRandom(20261130);
  const created: string[] = [];
  const plans: LayerPlan[] = [
    { files: 1600, bigFiles: 2, deletes: [] },
    { files: 1200, bigFiles: 1, deletes: [] },
    { files: 800, bigFiles: 1, deletes: [] },
    { files: 400, bigFiles: 0, deletes: [] },
  ];
  const layers: ArchiveLayer[] = [];
  let files = 0;
  plans.forEach((plan, i) => {
    // The last layer deletes a few files of the first, as real images do.
    if (i === plans.length - 1) plan.deletes = [created[5]!, created[50]!, created[500]!];
    const built = buildLayer(random, i, plan, created);
    layers.push(archiveLayer(built.tar));
    files += built.files;
  });
  const image: ArchiveImage = {
    config: config(
      layers.map((l) => l.diffId),
      plans.map((_, i) => `/bin/sh -c #(nop) ADD layer ${i}`),
      { 'org.strata.bench': 'many-files' },
      '2024-01-01T00:00:00Z',
    ),
    repoTags: ['bench/many-files:v1'],
    layers: layers.map((_, i) => i),
  };
  const path = join(dir, 'many-files.tar');
  const bytes = writeDockerArchive(path, layers, [image]);
  return { path, bytes, imageIds: [imageId(image)], repoTags: image.repoTags, layers: layers.length, files };
}

/** Writes one archive of `count` small images sharing one tiny layer into `dir`. */
export function writeSmallImages(dir: string, count: number): BenchArchive {
  const random = new SeededRandom(7);
  const chunks: Uint8Array[] = [];
  const tar = new TarWriter((c) => chunks.push(c));
  tar.directory('etc', MTIME);
  tar.file('etc/bench-release', encoder.encode('strata bench\n'), MTIME);
  tar.directory('srv', MTIME);
  for (let i = 0; i < 8; i++) tar.file(`srv/page${i}.html`, random.bytes(random.int(200, 1500)), MTIME);
  tar.end();
  const layer = archiveLayer(Buffer.concat(chunks));
  const images: ArchiveImage[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(2, '0');
    images.push({
      config: config([layer.diffId], ['/bin/sh -c #(nop) ADD small layer'], { 'org.strata.bench': `small-${n}` }, `2024-01-01T00:${n}:00Z`),
      repoTags: [`bench/small-${n}:v1`],
      layers: [0],
    });
  }
  const path = join(dir, 'small-images.tar');
  const bytes = writeDockerArchive(path, [layer], images);
  return { path, bytes, imageIds: images.map(imageId), repoTags: images.flatMap((i) => i.repoTags), layers: 1, files: 10 };
}
