import { Readable } from 'node:stream';
import {
  StrataError,
  pullReference,
  referenceName,
  type BuildEvent,
  type BuildOptions,
  type Digest,
  type ImagePruneReport,
  type ProgressMessage,
  type PullOptions,
  type PullResult,
  type SavedArchive,
  type VolumeCreateBody,
  type VolumeInfo,
} from '@strata/core';
import { readJson, send } from './api-transport.js';
import { classicBuildEvent } from './build-stream.js';
import type { DockerHost } from './docker-host.js';
import { jsonValues } from './json-stream.js';

const webStream = (r: Readable): ReadableStream<Uint8Array> => Readable.toWeb(r) as ReadableStream<Uint8Array>;

/** Reads a progress stream to its end, throwing the engine's error message when one arrives in it. */
async function* progressOf(response: AsyncIterable<Uint8Array | string>): AsyncIterable<ProgressMessage> {
  for await (const m of jsonValues<ProgressMessage>(response)) {
    if (m.error) throw new StrataError('invalid', m.errorDetail?.message ?? m.error);
    yield m;
  }
}

/** `POST /images/create?fromImage=&tag=` as the docker CLI sends it, progress passed on as it comes. */
export async function pullOverApi(host: DockerHost, name: string, options: PullOptions = {}): Promise<PullResult> {
  const ref = pullReference(name);
  const tag = ref.digest ?? ref.tag;
  const response = await send(host, { method: 'POST', path: '/images/create', query: { fromImage: referenceName(ref), tag, platform: options.platform }, signal: options.signal });
  let digest = '';
  let upToDate = false;
  let pulled = '';
  for await (const m of progressOf(response)) {
    options.onProgress?.(m);
    const status = m.status ?? '';
    if (status.startsWith('Digest: ')) digest = status.slice('Digest: '.length);
    if (status.startsWith('Status: Image is up to date for ')) upToDate = true;
    const named = /^Status: (?:Image is up to date for|Downloaded newer image for) (.+)$/.exec(status);
    if (named) pulled = named[1];
  }
  const inspect = await readJson<{ Id: string }>(await send(host, { path: `/images/${encodeURIComponent(pulled || name)}/json` }));
  return { id: inspect.Id as Digest, digest: digest as Digest, name: pulled || name, upToDate };
}

/** `POST /build` with the context tar; the classic builder's lines come back as build events. */
export async function buildOverApi(
  host: DockerHost,
  context: ReadableStream<Uint8Array>,
  options: BuildOptions & { tags?: string[] },
  onEvent: (event: BuildEvent) => void,
): Promise<Digest> {
  const query: Record<string, string | boolean | undefined> = { dockerfile: options.dockerfile, t: options.tags?.[0], nocache: options.noCache, target: options.target, rm: true };
  const response = await send(host, { method: 'POST', path: '/build', query, stream: context, contentType: 'application/x-tar', signal: options.signal });
  let id = '';
  let partial = '';
  for await (const m of progressOf(response)) {
    const aux = m.aux as { ID?: string } | undefined;
    if (aux?.ID) id = aux.ID;
    if (m.stream === undefined) continue;
    const lines = (partial + m.stream).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onEvent(classicBuildEvent(line.replace(/\u001b\[\d+m/g, '')));
  }
  if (partial !== '') onEvent(classicBuildEvent(partial));
  if (!id) throw new StrataError('internal', 'the engine finished the build without an image ID');
  return id as Digest;
}

/** `GET /images/get?names=`: the `docker save` archive as it streams. */
export async function saveOverApi(host: DockerHost, names: string[]): Promise<SavedArchive> {
  const query = new URLSearchParams(names.map((n) => ['names', n])).toString();
  // The transport takes one value per key; several names go in the path's query string.
  return webStream(await send(host, { path: `/images/get?${query}` }));
}

/** `POST /images/prune` with dockerd's default (dangling only). */
export async function pruneImagesOverApi(host: DockerHost, filters: Record<string, string[]> = {}): Promise<ImagePruneReport> {
  return readJson(await send(host, { method: 'POST', path: '/images/prune', query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined } }));
}

/** `POST /volumes/create`. */
export async function createVolumeOverApi(host: DockerHost, body: VolumeCreateBody = {}): Promise<VolumeInfo> {
  return readJson(await send(host, { method: 'POST', path: '/volumes/create', json: body }));
}

/** `POST /volumes/prune` (API 1.41: named volumes too). */
export async function pruneVolumesOverApi(host: DockerHost): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
  const r = await readJson<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>(await send(host, { method: 'POST', path: '/volumes/prune' }));
  return { VolumesDeleted: r.VolumesDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed };
}

/** `POST /build/prune`: dockerd's build cache; stratad has none (404). */
export async function pruneBuildCacheOverApi(host: DockerHost): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }> {
  return readJson(await send(host, { method: 'POST', path: '/build/prune' }));
}

/** `GET /containers/{id}/archive?path=`: the path's stat (base64 JSON header) and a tar of it. */
export async function archiveOverApi(
  host: DockerHost,
  name: string,
  path: string,
): Promise<{ stat: { name: string; size: number; mode: number; mtime: string; linkTarget: string }; archive: ReadableStream<Uint8Array> }> {
  const response = await send(host, { path: `/containers/${encodeURIComponent(name)}/archive`, query: { path } });
  const header = response.headers['x-docker-container-path-stat'];
  const stat = JSON.parse(Buffer.from(typeof header === 'string' ? header : '', 'base64').toString('utf8') || '{}') as { name: string; size: number; mode: number; mtime: string; linkTarget: string };
  return { stat, archive: webStream(response) };
}
