import { type Digest, shortId } from '../digest/index.js';
import { conflict, invalid } from '../errors/index.js';
import { chainIds } from '../layer/index.js';
import { type Reference, familiarMatch, familiarString, isValidTag, parseDockerRef, parseNormalizedNamed, parseReference, referenceName, referenceString, withTag } from '../reference/index.js';
import type {
  DiskUsage,
  Filters,
  HistoryEntry,
  ImageDeleteItem,
  ImageEngine,
  ImageInspect,
  ImagePruneReport,
  ImageSummary,
  ImportOptions,
  ListImagesOptions,
  LoadOptions,
  LoadResult,
  RemoveImageOptions,
  SavedArchive,
  EngineEvent,
} from './api.js';
import { loadArchive } from './archive-load.js';
import { type SaveRequest, saveArchive } from './archive-save.js';
import { ContainerService, exposeContainerEngine, imageInUseConflict, referenceInUseConflict } from './containers.js';
import { type NetworkEngine, exposeNetworkEngine } from './network-engine.js';
import { type VolumeEngine, exposeVolumeEngine } from './volume-engine.js';
import type { ContainerEngine, ExecEngine, ProgressMessage } from './api.js';
import { ExecService } from './container-exec.js';
import { type ContainerStatsEngine, ContainerStatsService } from './container-stats.js';
import { EventLog } from './events.js';
import { ImageStore } from './image-store.js';
import { imageHistory, imageInspect, imageSize, imageSummary, namesOf, readConfig, unixSeconds } from './image-views.js';
import type { EnginePorts } from './ports.js';
import type { ImageRecord, LayerRecord } from './records.js';
import { resolveImage } from './resolve.js';
import { type ImagePuller, type PullOptions, type PullResult, pullImage } from './pull.js';
import { type ImagePusher, type PushOptions, type PushedTag, pushImage } from './push.js';
import { type LoginResult, type RegistryLogin, loginRegistry } from './login.js';
import type { RegistryAuth } from './registry-port.js';
import { type ImageSearcher, type SearchOptions, type SearchResult, searchImages } from './search.js';
import { importRootfs } from './rootfs-import.js';
import { SerialQueue } from './serial.js';
import { type ImageSide, analysisDocument, analyzeStoredImage, diffStoredImages } from './insight.js';
import type { ImageAnalysisDocument } from './insight-document.js';
import type { ImageInsightOptions, ImageInsightReport } from './insight-report.js';
import type { ViewDifference } from '../insight/index.js';
import { rfc3339Nano } from './time.js';
import { type ContainerFilesEngine, ContainerFilesService, exposeContainerFiles } from './container-files-service.js';
import { type BuildOptions, type BuildStepRunner, prepareBuild, runBuild } from './build.js';
import { containerStepRunner } from './build-step-runner.js';
import type { BuildEvent } from '../build/build-progress.js';

/** The engine every front end drives: today the image side; containers join it later. */
export interface Engine extends ImageEngine, ContainerEngine, ContainerStatsEngine, ContainerFilesEngine, VolumeEngine, NetworkEngine, ExecEngine, ImagePuller, ImagePusher, RegistryLogin, ImageSearcher {
  readonly ports: EnginePorts;
  /** Resolves once the engine has reconciled its records with the runtime (re-adoption, built-in networks). */
  readonly ready?: Promise<void>;
  close(): Promise<void>;
  /** Layer insight of an image: per-layer changes, dive's efficiency and ours, largest paths, flags. */
  analyzeImage(name: string, options?: ImageInsightOptions): Promise<ImageInsightReport>;
  /** The same analysis as a summary plus the report's JSON bytes (kept, so asking again costs a file read). */
  analysisDocument(name: string, options?: ImageInsightOptions): Promise<ImageAnalysisDocument>;
  /** The file-level difference between two images (each at its top, or at `layers` layers). */
  diffImages(from: ImageSide, to: ImageSide): Promise<ViewDifference[]>;
  /** docker build with the classic builder: the context tar's Dockerfile, step by step, cached; tags the result. */
  buildImage(context: ReadableStream<Uint8Array>, options: BuildOptions & { tags?: string[] }, onEvent: (event: BuildEvent) => void): Promise<Digest>;
  /** Runs RUN steps in containers; without one, a RUN that is not cached fails with a clear message. */
  buildStepRunner?: BuildStepRunner;
}

/** Build the engine over its ports (filesystem adapters in production, memory adapters in tests). */
export function createEngine(ports: EnginePorts): Engine {
  return new StrataEngine(ports);
}

/** Shared state handed to the use cases that live in their own files. */
export interface EngineContext {
  ports: EnginePorts;
  store: ImageStore;
  events: EventLog;
  now(): string;
}

// The container methods are delegated to a ContainerService (see exposeContainerEngine).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface StrataEngine extends ContainerEngine, ContainerStatsEngine, ContainerFilesEngine, VolumeEngine, NetworkEngine, ExecEngine {}

class StrataEngine implements Engine {
  private readonly containers: ContainerService;
  private readonly store: ImageStore;
  private readonly eventLog: EventLog;
  private readonly serial = new SerialQueue();
  private readonly ctx: EngineContext;

  constructor(readonly ports: EnginePorts) {
    this.store = new ImageStore(ports.content, ports.metadata);
    this.eventLog = new EventLog(ports.clock);
    this.ctx = { ports, store: this.store, events: this.eventLog, now: () => rfc3339Nano(ports.clock.now()) };
    this.containers = new ContainerService(this.ctx);
    exposeContainerEngine(this, this.containers);
    if (ports.runtime) this.buildStepRunner = containerStepRunner(this.ctx, this as unknown as ContainerEngine & ContainerFilesEngine);
    exposeContainerFiles(this, new ContainerFilesService(this.ctx, this.containers, { setTag: (ref, id) => this.setTag(ref, id), serial: (task) => this.serial.run(task) }));
    exposeVolumeEngine(this, this.containers.volumes);
    exposeNetworkEngine(this, this.containers.networks);
    const execs = new ExecService(this.ctx, (name) => this.containers.containerRecord(name));
    for (const m of ['createExec', 'startExec', 'inspectExec', 'resizeExec'] as const) {
      Object.defineProperty(this, m, { value: execs[m].bind(execs), enumerable: false });
    }
    this.containers.execIdsOf = (id) => execs.execIdsOf(id);
    const stats = new ContainerStatsService(this.ctx, (name) => this.containers.containerRecord(name));
    Object.defineProperty(this, 'containerStats', { value: stats.containerStats.bind(stats), enumerable: false });
  }

  get ready(): Promise<void> {
    return this.containers.ready;
  }

  async close(): Promise<void> {
    await this.containers.close();
  }

  analyzeImage(name: string, options?: ImageInsightOptions): Promise<ImageInsightReport> {
    return analyzeStoredImage(this.ctx, name, options);
  }

  analysisDocument(name: string, options?: ImageInsightOptions): Promise<ImageAnalysisDocument> {
    return analysisDocument(this.ctx, name, options);
  }

  diffImages(from: ImageSide, to: ImageSide): Promise<ViewDifference[]> {
    return diffStoredImages(this.ctx, from, to);
  }

  /** Runs RUN steps in containers; set by the front end that owns a runtime (see build.ts). */
  buildStepRunner?: BuildStepRunner;

  async buildImage(context: ReadableStream<Uint8Array>, options: BuildOptions & { tags?: string[] }, onEvent: (event: BuildEvent) => void): Promise<Digest> {
    const refs = (options.tags ?? []).map((t) => {
      const ref = parseDockerRef(t);
      if (ref.digest) throw invalid('refusing to create a tag with a digest reference');
      return ref.tag ? ref : withTag(ref, 'latest');
    });
    const prepared = await prepareBuild(this.ctx, context, options);
    const pull = this.ctx.ports.registry ? (name: string, onProgress: (m: ProgressMessage) => void) => this.pullImage(name, { onProgress }) : undefined;
    const id = await runBuild(this.ctx, prepared, options, onEvent, this.buildStepRunner, pull);
    onEvent({ kind: 'built', id });
    for (const ref of refs) {
      await this.serial.run(() => this.setTag(ref, id));
      onEvent({ kind: 'tagged', name: familiarString(ref) });
    }
    return id;
  }

  private async layerMap(): Promise<Map<Digest, LayerRecord>> {
    return new Map((await this.store.layers()).map((l) => [l.diffId, l]));
  }

  async listImages(options: ListImagesOptions = {}): Promise<ImageSummary[]> {
    const [images, tags, layers] = await Promise.all([this.store.images(), this.store.tags(), this.layerMap()]);
    const filters = options.filters ?? {};
    checkFilterKeys(filters, ['reference', 'dangling', 'label', 'before', 'since', 'until']);
    const beforeSince = await this.beforeSince(filters);
    // Without `all`, dockerd hides untagged images that are another image's parent (a classic build's intermediates).
    const parents = options.all ? new Set<string>() : new Set(images.flatMap((i) => (i.parent ? [i.parent] : [])));
    const out: ImageSummary[] = [];
    for (const img of images) {
      const config = await readConfig(this.store, img.id);
      const summary = imageSummary(img, config, tags.refs, layers);
      if (parents.has(img.id) && summary.RepoTags[0] === '<none>:<none>' && summary.RepoDigests[0] === '<none>@<none>') continue;
      const names = namesOf(tags.refs, img.id);
      if (!matchesImageFilters(filters, summary, names, beforeSince)) continue;
      if (filters.reference?.length) {
        // Docker lists only the tags that match the reference filter.
        summary.RepoTags = summary.RepoTags.filter((t) => filters.reference!.some((p) => safeMatch(p, t)));
        summary.RepoDigests = summary.RepoDigests.filter((t) => filters.reference!.some((p) => safeMatch(p, t)));
      }
      out.push(summary);
    }
    return out.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
  }

  private async beforeSince(filters: Filters): Promise<{ before?: number; since?: number }> {
    const r: { before?: number; since?: number } = {};
    for (const key of ['before', 'since'] as const) {
      const v = filters[key]?.[0];
      if (v) {
        const { image } = await resolveImage(this.store, v);
        r[key] = unixSeconds(image.created);
      }
    }
    return r;
  }

  async inspectImage(name: string): Promise<ImageInspect> {
    const { image } = await resolveImage(this.store, name, (n) => `no such image: ${n}: No such image: ${shownName(n)}`);
    const [config, tags, layers] = await Promise.all([readConfig(this.store, image.id), this.store.tags(), this.layerMap()]);
    return imageInspect(image, config, tags.refs, layers);
  }

  async imageHistory(name: string): Promise<HistoryEntry[]> {
    const { image } = await resolveImage(this.store, name);
    const [config, tags, layers] = await Promise.all([readConfig(this.store, image.id), this.store.tags(), this.layerMap()]);
    const history = imageHistory(image, config, namesOf(tags.refs, image.id).tags, layers);
    // As dockerd: each older entry takes the ID (and tags) of the next image up the local parent chain.
    let parent = image.parent;
    for (let i = 1; i < history.length && parent; i++) {
      const up = await this.store.image(parent);
      if (!up) break;
      history[i].Id = up.id;
      const upTags = namesOf(tags.refs, up.id).tags;
      history[i].Tags = upTags.length ? upTags : null;
      parent = up.parent;
    }
    return history;
  }

  tagImage(source: string, repo: string, tag?: string): Promise<void> {
    return this.serial.run(async () => {
      const { image } = await resolveImage(this.store, source);
      let ref = parseNormalizedNamed(repo);
      if (tag) {
        if (!isValidTag(tag)) throw invalid(`invalid tag format`);
        ref = withTag(ref, tag);
      } else if (!ref.tag && !ref.digest) ref = withTag(ref, 'latest');
      if (ref.digest) throw invalid('refusing to create a tag with a digest reference');
      await this.setTag(ref, image.id);
      await this.store.writeLayoutIndex();
    });
  }

  /** Point a tag (or several, in one write) at an image, as `docker tag` and `docker load` do. */
  private async setTag(refs: Reference | Reference[], id: Digest): Promise<void> {
    const list = Array.isArray(refs) ? refs : [refs];
    const tags = await this.store.tags();
    // Re-tagging the same image (a cached rebuild) leaves the tag records as they are.
    const changed = list.filter((ref) => tags.refs[referenceString(ref)] !== id);
    for (const ref of changed) tags.refs[referenceString(ref)] = id;
    const img = await this.store.image(id);
    await Promise.all([changed.length > 0 ? this.store.putTags(tags) : undefined, img ? this.store.putImage({ ...img, lastTagTime: this.ctx.now() }) : undefined]);
    for (const ref of list) this.eventLog.emit('image', 'tag', id, { name: familiarString(ref) });
  }

  removeImage(name: string, options: RemoveImageOptions = {}): Promise<ImageDeleteItem[]> {
    return this.serial.run(async () => {
      const out = await this.removeImageLocked(name, options);
      await this.store.writeLayoutIndex();
      return out;
    });
  }

  private async removeImageLocked(name: string, options: RemoveImageOptions): Promise<ImageDeleteItem[]> {
    const { image, byId } = await resolveImage(this.store, name);
    const records: ImageDeleteItem[] = [];
    const tags = await this.store.tags();
    const refsOf = () => Object.keys(tags.refs).filter((r) => tags.refs[r] === image.id).sort();
    const untag = (r: string) => {
      delete tags.refs[r];
      records.push({ Untagged: familiarString(parseReference(r)) });
      this.eventLog.emit('image', 'untag', image.id, { name: image.id });
    };
    const images = await this.store.images();
    const hasChildren = (id: string) => images.some((i) => i.parent === id);
    // dockerd's hard conflict: an image another image is built on cannot be deleted, not even forced.
    if (byId && hasChildren(image.id)) throw conflict(`conflict: unable to delete ${shortId(image.id)} (cannot be forced) - image has dependent child images`);
    const user = await this.containers.imageUser(image.id);
    if (user && (byId ? user.running || !options.force : !options.force && refsOf().length === 1)) {
      throw byId ? imageInUseConflict(image.id, user) : referenceInUseConflict(name, image.id, user.id);
    }
    if (!byId) {
      const parsed = parseNormalizedNamed(name);
      const ref = parsed.tag || parsed.digest ? parsed : withTag(parsed, 'latest');
      untag(referenceString(ref));
      if (!ref.digest) {
        const sameRepoTagLeft = refsOf().some((r) => !r.includes('@') && referenceName(parseReference(r)) === referenceName(ref));
        if (!sameRepoTagLeft) for (const r of refsOf()) if (r.includes('@') && referenceName(parseReference(r)) === referenceName(ref)) untag(r);
      }
      await this.store.putTags(tags);
      if (refsOf().length > 0) return records;
    } else {
      const refs = refsOf();
      const tagRefs = refs.filter((r) => !r.includes('@'));
      const single = tagRefs.length <= 1 && new Set(refs.map((r) => referenceName(parseReference(r)))).size <= 1;
      if (single || options.force) {
        for (const r of refs) untag(r);
        await this.store.putTags(tags);
      } else {
        throw conflict(`conflict: unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
      }
    }
    if (user?.running) throw imageInUseConflict(image.id, user);
    // Untagging the last name of an image others are built on leaves the image, as dockerd does.
    if (hasChildren(image.id)) return records;
    records.push(...(await this.deleteImageRecord(image)));
    if (!options.noprune) records.push(...(await this.pruneParents(image, images, tags.refs)));
    return records;
  }

  /**
   * dockerd's parent pruning after a delete: each parent that is now untagged, has no other child and
   * no container goes too (a classic build's intermediates leave with the image built on them).
   */
  private async pruneParents(image: ImageRecord, images: ImageRecord[], refs: Record<string, string>): Promise<ImageDeleteItem[]> {
    const records: ImageDeleteItem[] = [];
    const named = new Set(Object.values(refs));
    const byId = new Map(images.map((i) => [i.id as string, i]));
    // A child is an image still in the store built on the parent; each pruned image leaves the map.
    byId.delete(image.id);
    for (let parent = image.parent ? byId.get(image.parent) : undefined; parent; parent = parent.parent ? byId.get(parent.parent) : undefined) {
      const id = parent.id;
      if (named.has(id) || [...byId.values()].some((i) => i.parent === id)) break;
      if (await this.containers.imageUser(id)) break;
      records.push(...(await this.deleteImageRecord(parent)));
      byId.delete(id);
    }
    return records;
  }

  /** Delete an untagged image and every layer no other image needs; returns the `Deleted` lines. */
  private async deleteImageRecord(image: ImageRecord): Promise<ImageDeleteItem[]> {
    const records: ImageDeleteItem[] = [{ Deleted: image.id }];
    await this.store.deleteImage(image.id);
    this.eventLog.emit('image', 'delete', image.id, { name: image.id });
    const others = await this.store.images();
    const chainsInUse = new Set<string>();
    const diffIdsInUse = new Set<string>();
    const manifestsInUse = new Set<string>();
    for (const o of others) {
      for (const c of chainIds(o.diffIds, this.ports.hasher)) chainsInUse.add(c);
      for (const d of o.diffIds) diffIdsInUse.add(d);
      manifestsInUse.add(o.manifest);
    }
    const chain = chainIds(image.diffIds, this.ports.hasher);
    for (let i = chain.length - 1; i >= 0; i--) {
      if (chainsInUse.has(chain[i])) break;
      records.push({ Deleted: chain[i] });
    }
    for (const d of new Set(image.diffIds)) {
      if (diffIdsInUse.has(d)) continue;
      const layer = await this.store.layer(d);
      await this.store.deleteLayer(d);
      if (layer) await this.ports.content.delete(layer.blob);
    }
    if (!manifestsInUse.has(image.manifest)) await this.ports.content.delete(image.manifest);
    await this.ports.content.delete(image.id);
    return records;
  }

  pruneImages(filters: Filters = {}): Promise<ImagePruneReport> {
    return this.serial.run(async () => {
      checkFilterKeys(filters, ['dangling', 'until', 'label', 'label!']);
      const danglingOnly = !(filters.dangling ?? []).some((v) => v === 'false' || v === '0');
      const untilSec = filters.until?.[0] ? parseUntil(filters.until[0], this.ports.clock.now()) : undefined;
      const [images, tags, before] = await Promise.all([this.store.images(), this.store.tags(), this.layerMap()]);
      const deleted: ImageDeleteItem[] = [];
      for (const img of images) {
        const refs = Object.keys(tags.refs).filter((r) => tags.refs[r] === img.id);
        if (danglingOnly && refs.length > 0) continue;
        if (await this.containers.imageUser(img.id)) continue;
        if (untilSec !== undefined && unixSeconds(img.created) >= untilSec) continue;
        const config = await readConfig(this.store, img.id);
        if (!matchesLabels(filters, (config.config?.Labels ?? {}) as Record<string, string>)) continue;
        for (const r of refs) {
          delete tags.refs[r];
          deleted.push({ Untagged: familiarString(parseReference(r)) });
          this.eventLog.emit('image', 'untag', img.id, { name: img.id });
        }
        await this.store.putTags(tags);
        deleted.push(...(await this.deleteImageRecord(img)));
      }
      const after = await this.layerMap();
      let reclaimed = 0;
      for (const [d, l] of before) if (!after.has(d)) reclaimed += l.size;
      await this.store.writeLayoutIndex();
      this.eventLog.emit('image', 'prune', '', { reclaimed: String(reclaimed) }, false);
      return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
    });
  }

  async diskUsage(): Promise<DiskUsage> {
    const [images, tags, layers, containers] = await Promise.all([
      this.store.images(),
      this.store.tags(),
      this.layerMap(),
      // dockerd lists every container with its sizes, as `ps -a -s` does.
      this.containers.listContainers({ all: true, size: true }),
    ]);
    const containersOf = new Map<string, number>();
    for (const c of containers) containersOf.set(c.ImageID, (containersOf.get(c.ImageID) ?? 0) + 1);
    const users = new Map<string, number>();
    for (const img of images) for (const d of new Set(img.diffIds)) users.set(d, (users.get(d) ?? 0) + 1);
    const summaries: ImageSummary[] = [];
    for (const img of images) {
      const s = imageSummary(img, await readConfig(this.store, img.id), tags.refs, layers);
      s.SharedSize = [...new Set(img.diffIds)].reduce((n, d) => n + ((users.get(d) ?? 0) > 1 ? (layers.get(d)?.size ?? 0) : 0), 0);
      s.Containers = containersOf.get(img.id) ?? 0;
      summaries.push(s);
    }
    summaries.sort((a, b) => b.Created - a.Created);
    let layersSize = 0;
    for (const d of users.keys()) layersSize += layers.get(d as Digest)?.size ?? 0;
    return { LayersSize: layersSize, Images: summaries, Containers: containers, Volumes: await this.containers.volumes.usage(), BuildCache: [], BuilderSize: 0 };
  }

  loadImages(archive: ReadableStream<Uint8Array>, options: LoadOptions = {}): Promise<LoadResult> {
    return this.serial.run(async () => {
      const result = await loadArchive(this.ctx, archive, options, (ref, id) => this.setTag(ref, id));
      await this.store.writeLayoutIndex();
      return result;
    });
  }

  async saveImages(names: string[]): Promise<SavedArchive> {
    if (names.length === 0) throw invalid('No images specified');
    const tags = await this.store.tags();
    const requests = new Map<Digest, SaveRequest>();
    const add = (image: ImageRecord, ref?: Reference) => {
      const r = requests.get(image.id) ?? { image, refs: [] };
      if (ref && !r.refs.some((x) => referenceString(x) === referenceString(ref))) r.refs.push(ref);
      requests.set(image.id, r);
    };
    for (const n of names) {
      // `docker save busybox` saves every tag of the repository.
      const named = tryParseNamed(n);
      if (named && !named.tag && !named.digest) {
        const repoTags = Object.keys(tags.refs).filter((r) => !r.includes('@') && referenceName(parseReference(r)) === referenceName(named));
        if (repoTags.length) {
          for (const r of repoTags) {
            const img = await this.store.image(tags.refs[r]);
            if (img) add(img, parseReference(r));
          }
          continue;
        }
      }
      const r = await resolveImage(this.store, n);
      add(r.image, r.byId || r.ref?.digest ? undefined : r.ref);
    }
    for (const r of requests.values()) this.eventLog.emit('image', 'save', r.image.id, { name: r.image.id });
    return saveArchive(this.ctx, [...requests.values()]);
  }

  importImage(rootfs: ReadableStream<Uint8Array>, options: ImportOptions = {}): Promise<string> {
    return this.serial.run(async () => {
      let ref: Reference | undefined;
      if (options.repo) {
        ref = parseNormalizedNamed(options.repo);
        if (options.tag) ref = withTag(ref, options.tag);
        else if (!ref.tag && !ref.digest) ref = withTag(ref, 'latest');
        if (ref.digest) throw invalid('cannot import digest reference');
      }
      const id = await importRootfs(this.ctx, rootfs, options);
      this.eventLog.emit('image', 'import', id, { name: id });
      if (ref) await this.setTag(ref, id);
      await this.store.writeLayoutIndex();
      return id;
    });
  }

  pullImage(name: string, options: PullOptions = {}): Promise<PullResult> {
    return pullImage(this.ctx, name, options, { serial: (task) => this.serial.run(task), setTag: (ref, id) => this.setTag(ref, id) });
  }

  pushImage(name: string, options: PushOptions = {}): Promise<PushedTag[]> {
    return pushImage(this.ctx, name, options, { serial: (task) => this.serial.run(task) });
  }

  login(auth: RegistryAuth): Promise<LoginResult> {
    return loginRegistry(this.ctx, auth);
  }

  searchImages(term: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    return searchImages(this.ctx, term, options);
  }

  events(options?: { since?: number; until?: number; filters?: Filters; signal?: AbortSignal }): AsyncIterable<EngineEvent> {
    return this.eventLog.stream(options);
  }
}

function tryParseNamed(n: string): Reference | undefined {
  try {
    return parseNormalizedNamed(n);
  } catch {
    return undefined;
  }
}

function shownName(n: string): string {
  try {
    return familiarString(parseDockerRef(n));
  } catch {
    return n;
  }
}

function safeMatch(pattern: string, familiar: string): boolean {
  try {
    return familiarMatch(pattern, parseNormalizedNamed(familiar.replace(/^<none>.*$/, 'x')));
  } catch {
    return false;
  }
}

function checkFilterKeys(filters: Filters, allowed: string[]): void {
  for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw invalid(`invalid filter '${k}'`);
}

function matchesLabels(filters: Filters, labels: Record<string, string>): boolean {
  const has = (spec: string) => {
    const i = spec.indexOf('=');
    return i < 0 ? spec in labels : labels[spec.slice(0, i)] === spec.slice(i + 1);
  };
  return (filters.label ?? []).every(has) && !(filters['label!'] ?? []).some(has);
}

function matchesImageFilters(
  filters: Filters,
  s: ImageSummary,
  names: { tags: string[]; digests: string[] },
  bs: { before?: number; since?: number },
): boolean {
  const dangling = filters.dangling?.[0];
  if (dangling !== undefined) {
    if (!['true', 'false', '1', '0'].includes(dangling)) throw invalid(`Invalid filter 'dangling=${dangling}'`);
    const isDangling = names.tags.length === 0 && names.digests.length === 0;
    if ((dangling === 'true' || dangling === '1') !== isDangling) return false;
  }
  if (filters.reference?.length) {
    const all = [...names.tags, ...names.digests];
    if (!filters.reference.some((p) => all.some((n) => safeMatch(p, n)))) return false;
  }
  if (!matchesLabels(filters, s.Labels ?? {})) return false;
  if (bs.before !== undefined && !(s.Created < bs.before)) return false;
  if (bs.since !== undefined && !(s.Created > bs.since)) return false;
  return true;
}

/** `until` as unix seconds: a timestamp, RFC 3339 date, or a Go duration relative to now (`24h`, `10m`). */
function parseUntil(v: string, nowMs: number): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const dur = /^(\d+(?:\.\d+)?)(h|m|s)$/.exec(v);
  if (dur) return nowMs / 1000 - Number(dur[1]) * { h: 3600, m: 60, s: 1 }[dur[2] as 'h' | 'm' | 's'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`invalid filter 'until=${v}'`);
  return t / 1000;
}

