import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerRows, type ContainerListing, type ContainerRow } from '../model/container-rows.js';
import { imageRows, type ImageListing, type ImageRow } from '../model/image-rows.js';

/** The two lists of the first frame, read from the data root's record files before the engine's code is loaded. */
export interface StoreIndex {
  containers: ContainerRow[];
  images: ImageRow[];
}

/** The fields of a container record (`metadata/containers/<id>.json`) the Containers panel shows. */
interface ContainerFile {
  id: string;
  name: string;
  created: string;
  image: string;
  config: { Image: string; ExposedPorts?: Record<string, unknown> | null; NetworkDisabled?: boolean };
  hostConfig: { RestartPolicy?: { Name?: string } };
  state: { status: string; pid: number };
  endpoint?: { ports?: Array<{ containerPort: number; protocol: string; hostIp: string; hostPort: number }> };
}

/** The fields of an image record (`metadata/images/<hex>.json`), a layer record and the tag table. */
interface ImageFile {
  id: string;
  diffIds: string[];
  created: string;
  parent: string;
}
interface LayerFile {
  diffId: string;
  size: number;
}
interface TagTable {
  refs: Record<string, string>;
}

/** Thrown inside the reader when the records say the engine would show something else than they do. */
class EngineWouldChange extends Error {}

/**
 * The records of one namespace. Read synchronously on purpose: nothing else runs before the first frame,
 * and a thousand small files cost a third of the CPU this way that they cost through fs/promises
 * (a file handle, four thread-pool round trips and their promises for each).
 */
function records<T>(dir: string): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.filter((n) => n.endsWith('.json')).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as T);
}

const alive = (pid: number): boolean => {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * A container the engine's start-up would leave as it is: re-adoption rewrites records that are
 * being removed, restarting, or running with their process gone, and restarts exited ones whose
 * restart policy says so. Those make the index give up, so the first frame never shows a state
 * that the live list would replace a moment later.
 */
function settled(r: ContainerFile): boolean {
  const status = r.state.status;
  if (status === 'created' || status === 'dead') return true;
  if (status === 'exited') return (r.hostConfig.RestartPolicy?.Name ?? 'no') === 'no' || r.hostConfig.RestartPolicy?.Name === '';
  if (status === 'running' || status === 'paused') return alive(r.state.pid);
  return false;
}

/** The Ports of a `docker ps` entry from a record: published ports when running, then the exposed ones (core's `summaryPorts`). */
function portsOf(r: ContainerFile): ContainerListing['Ports'] {
  if (r.config.NetworkDisabled) return [];
  const running = r.state.status === 'running' || r.state.status === 'paused';
  const published = running ? (r.endpoint?.ports ?? []) : [];
  const ports: ContainerListing['Ports'] = published.map((p) => ({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.protocol }));
  const seen = new Set(published.map((p) => `${p.containerPort}/${p.protocol}`));
  for (const key of Object.keys(r.config.ExposedPorts ?? {})) {
    if (seen.has(key)) continue;
    const [port = '', protocol = 'tcp'] = key.split('/');
    ports.push({ PrivatePort: Number(port), Type: protocol });
  }
  return ports;
}

/** `docker ps` order: newest first to the full timestamp, then by ID (core's `newestFirst`). */
function newestFirst(rows: ContainerFile[]): ContainerFile[] {
  const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return rows
    .map((r) => ({ r, ms: Date.parse(r.created) }))
    .sort((a, b) => b.ms - a.ms || order(b.r.created, a.r.created) || order(a.r.id, b.r.id))
    .map((k) => k.r);
}

/** `docker.io/library/busybox:latest` -> `busybox:latest`, as Docker shows names (distribution's familiar form). */
export function familiarName(ref: string): string {
  if (!ref.startsWith('docker.io/')) return ref;
  const path = ref.slice('docker.io/'.length);
  const rest = path.startsWith('library/') ? path.slice('library/'.length) : undefined;
  return rest !== undefined && !rest.slice(0, rest.search(/[:@]|$/)).includes('/') ? rest : path;
}

/**
 * Reads the rows of both lists straight from the record files under `<root>/metadata`, in the
 * order and form the engine lists them, or undefined when the engine's start-up would change
 * them (see `settled`) or a record cannot be read: then the app waits for the engine instead.
 */
export async function readStoreIndex(root: string): Promise<StoreIndex | undefined> {
  const metadata = join(root, 'metadata');
  try {
    const containerFiles = records<ContainerFile>(join(metadata, 'containers'));
    const imageFiles = records<ImageFile>(join(metadata, 'images'));
    const layerFiles = records<LayerFile>(join(metadata, 'layers'));
    const tagFiles = records<TagTable>(join(metadata, 'tags'));
    if (!containerFiles.every(settled)) throw new EngineWouldChange();
    const containers = newestFirst(containerFiles).map(
      (r): ContainerListing => ({ Id: r.id, Names: [r.name], Image: r.config.Image, State: r.state.status, Ports: portsOf(r), Created: Math.floor(Date.parse(r.created) / 1000) }),
    );
    const sizes = new Map(layerFiles.map((l) => [l.diffId, l.size]));
    const tags = new Map<string, string[]>();
    const digests = new Map<string, string[]>();
    for (const [ref, id] of Object.entries(tagFiles[0]?.refs ?? {})) {
      const names = ref.includes('@') ? digests : tags;
      names.set(id, [...(names.get(id) ?? []), familiarName(ref)]);
    }
    const unixSeconds = (rfc3339: string): number => (rfc3339 ? Math.floor(Date.parse(rfc3339) / 1000) : 0);
    const images = imageFiles
      .map((img): ImageListing => ({
        Id: img.id,
        ParentId: img.parent,
        RepoDigests: digests.get(img.id) ?? [],
        Created: unixSeconds(img.created),
        RepoTags: (tags.get(img.id) ?? []).sort(),
        Size: img.diffIds.reduce((n, d) => n + (sizes.get(d) ?? 0), 0),
      }))
      .sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
    return { containers: containerRows(containers), images: imageRows(images) };
  } catch {
    return undefined;
  }
}
