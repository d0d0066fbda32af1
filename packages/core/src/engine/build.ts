import { type Digest, type Hasher, sha256OfText } from '../digest/index.js';
import { StrataError, invalid, isStrataError, notFound, unavailable } from '../errors/index.js';
import { dockerContainerConfig, parseImageConfig } from '../image/index.js';
import { TarHeaderScanner, tarBytes, tarEntry, type TarBytesEntry } from '../layer/index.js';
import type { SnapshotDraft } from '../lifecycle/index.js';
import { type BuildEvent } from '../build/build-progress.js';
import { comparePaths, copyChanges, type CopySource } from '../build/copy-changes.js';
import { ContextMemo } from '../build/context-memo.js';
import { contextTree } from '../build/context-tree.js';
import { DockerignoreMatcher, readDockerignore } from '../build/dockerignore.js';
import { parseDockerfile } from '../build/dockerfile-parser.js';
import { copySourceWords, heredocFileArgv, heredocRun } from '../build/heredoc-command.js';
import { type FsNode, FsTree, directoryNode, normalizeRelative, pathParts } from '../build/fs-tree.js';
import { formatGoDuration, goPlainList, goQuotedList, goQuotedRune, parseGoDuration } from '../build/go-format.js';
import { type DockerfilePlan, type Instruction, type Stage, planDockerfile } from '../build/instructions.js';
import { expandWord, expandWords, type ShellVariables } from '../build/shell-lex.js';
import { type NameOf, rootOnlyNames, hashList, sourceHash } from '../build/source-hash.js';
import { fetchRemoteSource, isRemoteUrl } from './build-remote-source.js';
import type { EngineContext } from './engine.js';
import { writeImage } from './image-writer.js';
import { throwIfCancelled } from './build-cancel.js';
import { inOverlayForm, storeStepLayer } from './build-step-layer.js';
import type { IngestedLayer } from './layer-ingest.js';
import type { LayerRecord } from './records.js';
import { resolveImage } from './resolve.js';

/** What `docker build` asks for besides the context (the classic POST /build parameters). */
export interface BuildOptions {
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  dockerfile?: string;
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** Seconds since the epoch used for every timestamp the build writes (reproducible image IDs). */
  sourceDateEpoch?: number;
  /** The network RUN steps get (`networkmode`). */
  networkMode?: string;
  /** Stops the build: checked before every step, and a running RUN container is killed (BuildCancelled). */
  signal?: AbortSignal;
}

/** Runs a RUN step in a container and commits its changes; absent where containers cannot run. */
export interface BuildStepRunner {
  run(request: BuildRunRequest): Promise<BuildRunResult>;
}

/** Pulls an image the build names but the store lacks (the engine's pull use case), reporting Docker's progress messages. */
export type BuildImagePull = (name: string, onProgress: (m: { status?: string; id?: string; progress?: string; progressDetail?: { current?: number; total?: number } }) => void) => Promise<unknown>;

/** A RUN step: the image to start from, the process and where its output goes. */
export interface BuildRunRequest {
  imageId: Digest;
  config: Record<string, unknown>;
  argv: string[];
  env: string[];
  /** `--network` of docker build (`none`, `host`, `default`). */
  networkMode?: string;
  onOutput(text: string, stream: 'stdout' | 'stderr'): void;
  /** Called with the container's ID once it exists (for ` ---> Running in <id>`). */
  onContainer(id: string): void;
  /** Aborting it kills the container; the run then ends with BuildCancelled. */
  signal?: AbortSignal;
}

/** How a RUN ended: its exit code and, when it changed files, the layer of those changes. */
export interface BuildRunResult {
  exitCode: number;
  layer?: IngestedLayer;
}

interface ImageState {
  id: Digest | '';
  config: Record<string, unknown>;
  runConfig: Record<string, unknown>;
  layers: IngestedLayer[];
  /** Its files with their bytes (for COPY --from). */
  tree?: FsTree;
  /** Its files' headers only (enough to know what exists where). */
  headers?: FsTree;
}

interface StageState {
  image: ImageState;
  /** ARGs declared in this stage: name -> value (undefined when declared without one). */
  args: Map<string, string | undefined>;
}

const BUILTIN_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy', 'SOURCE_DATE_EPOCH']);
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CACHE = 'build-cache';

/** A build ready to run: the context read and checked, the Dockerfile planned. */
export interface PreparedBuild {
  context: FsTree;
  plan: DockerfilePlan;
  stages: number[];
  warnings: string[];
}

/**
 * Reads the context tar (hostile names rejected), applies .dockerignore, parses the Dockerfile
 * and picks the stages the target needs. Fails before any step runs, as the classic builder does.
 */
export async function prepareBuild(ctx: EngineContext, contextTar: ReadableStream<Uint8Array>, options: BuildOptions): Promise<PreparedBuild> {
  const context = await treeOfTar(contextTar, ctx.ports.hasher, contextMemoOf(ctx));
  const dockerfilePath = normalizeRelative(options.dockerfile ?? 'Dockerfile');
  const node = context.get(context.resolve(dockerfilePath));
  if (!node || node.type !== 'file') throw invalid(`Cannot locate specified Dockerfile: ${options.dockerfile ?? 'Dockerfile'}`);
  const text = new TextDecoder().decode(node.body ?? new Uint8Array());
  if (text.trim() === '') throw invalid(`the Dockerfile (${options.dockerfile ?? 'Dockerfile'}) cannot be empty`);
  const ignore = context.get('.dockerignore');
  if (ignore?.type === 'file') {
    const matcher = new DockerignoreMatcher(readDockerignore(new TextDecoder().decode(ignore.body ?? new Uint8Array())));
    if (!matcher.empty) for (const p of context.paths().reverse()) if (context.has(p) && matcher.matches(p)) context.remove(p);
  }
  const parse = parseDockerfile(text);
  const plan = planDockerfile(parse);
  if (plan.stages.length === 0) throw invalid('no build stage in current context');
  const warnings = parse.warnings.map((w) => `[WARNING]: ${w.short}`);
  if (warnings.length > 0) warnings.push('[WARNING]: Empty continuation lines will become errors in a future release.');
  return { context, plan, stages: neededStages(plan, options), warnings };
}

function metaArgValues(plan: DockerfilePlan, buildArgs: Record<string, string | null>): Map<string, string> {
  const meta = new Map<string, string>();
  for (const instr of plan.metaArgs) {
    for (const a of instr.args) {
      const given = buildArgs[a.key];
      const value = given !== undefined && given !== null ? given : a.value !== undefined ? expandWord(a.value, variables(meta)) : undefined;
      if (value !== undefined) meta.set(a.key, value);
    }
  }
  return meta;
}

function neededStages(plan: DockerfilePlan, options: BuildOptions): number[] {
  const meta = metaArgValues(plan, options.buildArgs ?? {});
  const byName = new Map<string, number>();
  plan.stages.forEach((s, i) => {
    if (s.name) byName.set(s.name, i);
  });
  let target = plan.stages.length - 1;
  if (options.target) {
    const t = byName.get(options.target.toLowerCase());
    if (t === undefined) throw invalid(`failed to reach build target ${options.target} in Dockerfile`);
    target = t;
  }
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    const stage = plan.stages[i];
    const base = byName.get(expandWord(stage.base, variables(meta)).toLowerCase());
    if (base !== undefined && base < i) visit(base);
    for (const c of stage.commands) {
      if ((c.kind === 'copy' || c.kind === 'add') && c.from !== undefined) {
        const ref = /^\d+$/.test(c.from) ? Number(c.from) : byName.get(c.from.toLowerCase());
        if (ref !== undefined && ref < i) visit(ref);
      }
    }
  };
  visit(target);
  return [...needed].sort((a, b) => a - b);
}

function variables(...maps: Array<Map<string, string | undefined>>): ShellVariables {
  return {
    get(name) {
      for (const m of maps) {
        const v = m.get(name);
        if (v !== undefined) return v;
      }
      return undefined;
    },
  };
}

/**
 * Runs a prepared build step by step as the classic builder does, reusing cached steps, and
 * returns the final image ID. Every step's image is kept (a parent chain, like Docker's
 * intermediate images). Events describe the progress (see classicBuildText).
 */
export async function runBuild(
  ctx: EngineContext,
  prepared: PreparedBuild,
  options: BuildOptions,
  emit: (event: BuildEvent) => void,
  runner?: BuildStepRunner,
  pull?: BuildImagePull,
): Promise<Digest> {
  const b = new ClassicBuild(ctx, prepared, options, emit, runner, pull);
  return b.run();
}

class ClassicBuild {
  private readonly buildArgs: Record<string, string | null>;
  private readonly consumed = new Set<string>();
  private readonly stageImages = new Map<number, ImageState>();
  private readonly trees = new Map<string, FsTree>();
  private readonly names: NameOf = rootOnlyNames;
  private readonly meta: Map<string, string>;
  private step = 0;
  private total = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly prepared: PreparedBuild,
    private readonly options: BuildOptions,
    private readonly emit: (event: BuildEvent) => void,
    private readonly runner?: BuildStepRunner,
    private readonly pull?: BuildImagePull,
  ) {
    this.buildArgs = { ...(options.buildArgs ?? {}) };
    this.meta = metaArgValues(prepared.plan, this.buildArgs);
  }

  private get epoch(): number | undefined {
    if (this.options.sourceDateEpoch !== undefined) return this.options.sourceDateEpoch;
    const arg = this.buildArgs.SOURCE_DATE_EPOCH;
    return arg !== undefined && arg !== null && /^\d+$/.test(arg) ? Number(arg) : undefined;
  }

  private nowSeconds(): number {
    return this.epoch ?? Math.floor(this.ctx.ports.clock.now() / 1000);
  }

  private createdTime(): string {
    const e = this.epoch;
    return e !== undefined ? new Date(e * 1000).toISOString().replace('.000Z', 'Z') : this.ctx.now();
  }

  async run(): Promise<Digest> {
    const { plan, stages } = this.prepared;
    for (const w of this.prepared.warnings) this.emit({ kind: 'warning', text: w });
    const labels = Object.entries(this.options.labels ?? {});
    this.total = plan.metaArgs.length + stages.reduce((n, i) => n + 1 + plan.stages[i].commands.length, 0) + (labels.length > 0 ? 1 : 0);
    for (const meta of plan.metaArgs) {
      this.printStep(meta.original);
      for (const a of meta.args) this.consumed.add(a.key);
    }
    let last: ImageState | undefined;
    for (const index of stages) {
      const stage = plan.stages[index];
      const state = await this.from(stage);
      const commands: Instruction[] = [...stage.commands];
      if (index === stages[stages.length - 1] && labels.length > 0) {
        // Line 0 marks the builder's own LABEL step (--label): its values are taken literally.
        commands.push({ kind: 'label', pairs: labels.map(([key, value]) => ({ key, value })), original: `LABEL ${labels.map(([k, v]) => `${k}=${v}`).join(' ')}`, line: 0 });
      }
      for (const command of commands) {
        this.printStep(command.original);
        await this.dispatch(state, command);
      }
      this.stageImages.set(index, state.image);
      last = state.image;
    }
    if (!last || last.id === '') throw invalid('No image was generated. Is your Dockerfile empty?');
    this.emit({ kind: 'result', id: last.id });
    const unused = Object.keys(this.buildArgs)
      .filter((k) => !this.consumed.has(k) && !BUILTIN_ARGS.has(k))
      .sort();
    if (unused.length > 0) this.emit({ kind: 'warning', text: `[Warning] One or more build-args [${unused.join(' ')}] were not consumed` });
    return last.id;
  }

  private printStep(instruction: string): void {
    throwIfCancelled(this.options.signal);
    this.step++;
    this.emit({ kind: 'step', step: this.step, total: this.total, instruction });
  }

  private async from(stage: Stage): Promise<StageState> {
    this.printStep(stage.original);
    const name = expandWord(stage.base, variables(this.meta));
    if (stage.platform !== undefined) {
      const platform = expandWord(stage.platform, variables(this.meta));
      if (!platform.startsWith('linux')) throw invalid(`"${platform}" is not a supported platform (linux only)`);
    }
    const byName = this.prepared.plan.stages.findIndex((s) => s.name === name.toLowerCase());
    let image: ImageState;
    if (byName >= 0 && this.stageImages.has(byName)) image = this.stageImages.get(byName)!;
    else if (name.toLowerCase() === 'scratch') image = scratchImage();
    else image = await this.storedImage(name, true);
    if (image.id !== '') this.emit({ kind: 'image', id: image.id });
    const runConfig = { ...image.runConfig };
    const env = (runConfig.Env as string[] | null) ?? [];
    if (!env.some((e) => e.startsWith('PATH='))) runConfig.Env = [...env, DEFAULT_PATH];
    const triggers = (runConfig.OnBuild as string[] | null) ?? [];
    runConfig.OnBuild = null;
    const state: StageState = { image: { ...image, runConfig }, args: new Map() };
    if (triggers.length > 0) {
      this.emit({ kind: 'triggers', count: triggers.length });
      const parsed = planDockerfile(parseDockerfile(`FROM scratch\n${triggers.join('\n')}\n`)).stages[0].commands;
      for (const t of parsed) await this.dispatch(state, t);
    }
    return state;
  }

  private async storedImage(name: string, pull = false): Promise<ImageState> {
    let resolved;
    try {
      resolved = await resolveImage(this.ctx.store, name);
    } catch (e) {
      if (pull && this.pull && isStrataError(e, 'not-found')) {
        // As the classic builder: an image that is not local is pulled, its progress in the build output.
        await this.pull(name, (m) => this.emit({ kind: 'pull', ...m }));
        return this.storedImage(name);
      }
      if (isStrataError(e, 'not-found')) throw notFound(`pull access denied for ${name.replace(/:.*$/, '')}, repository does not exist or may require 'docker login': No such image: ${name}`);
      throw e;
    }
    const id = resolved.image.id;
    const config = JSON.parse(new TextDecoder().decode(await this.ctx.ports.content.readBytes(id))) as Record<string, unknown>;
    const layers: IngestedLayer[] = [];
    for (const diffId of resolved.image.diffIds) {
      const rec = await this.ctx.store.layer(diffId);
      if (!rec) throw notFound(`layer ${diffId} of image ${name} is missing`);
      layers.push(ingested(rec));
    }
    return { id, config, runConfig: dockerContainerConfig(config.config as Record<string, unknown>), layers };
  }

  /** The image's files, read once per image per build; without `bodies` only their headers (much cheaper). */
  private async treeOf(image: ImageState, bodies = true): Promise<FsTree> {
    if (image.tree) return image.tree;
    if (!bodies && image.headers) return image.headers;
    if (!bodies) return (image.headers = await this.headerTree(image.layers));
    const key = `${bodies ? 'bodies' : 'headers'}:${image.layers.map((l) => l.diffId).join(',')}`;
    let tree = this.trees.get(key);
    if (!tree) {
      tree = new FsTree();
      for (const layer of image.layers) {
        let stream = await this.ctx.ports.content.read(layer.blob);
        if (layer.mediaType.includes('gzip')) stream = stream.pipeThrough(this.ctx.ports.codecs.decompress('gzip'));
        else if (layer.mediaType.includes('zstd')) stream = stream.pipeThrough(this.ctx.ports.codecs.decompress('zstd'));
        if (bodies) await applyTar(tree, stream);
        else await applyTarHeaders(tree, stream);
      }
      this.trees.set(key, tree);
    }
    if (bodies) image.tree = tree;
    else image.headers = tree;
    return tree;
  }

  /**
   * The headers of a layer chain. A chain's tree depends only on its diffIDs, so trees are kept
   * per engine: a chain extends the longest known prefix, and only the layers after it are read.
   */
  private async headerTree(layers: IngestedLayer[]): Promise<FsTree> {
    const known = engineHeaderTrees(this.ctx);
    const keys = chainKeys(layers);
    const exact = known.get(keys[keys.length - 1] ?? '');
    if (exact) return exact;
    let from = layers.length;
    while (from > 0 && !known.has(keys[from - 1])) from--;
    const tree = from > 0 ? known.get(keys[from - 1])!.clone() : new FsTree();
    for (const layer of layers.slice(from)) {
      let stream = await this.ctx.ports.content.read(layer.blob);
      if (layer.mediaType.includes('gzip')) stream = stream.pipeThrough(this.ctx.ports.codecs.decompress('gzip'));
      else if (layer.mediaType.includes('zstd')) stream = stream.pipeThrough(this.ctx.ports.codecs.decompress('zstd'));
      await applyTarHeaders(tree, stream);
    }
    if (keys.length > 0) rememberHeaderTree(this.ctx, keys[keys.length - 1], tree);
    return tree;
  }

  /** Stage-scoped variables for expansion: ENV first, then the stage's ARGs with values. */
  private expansionVariables(state: StageState): ShellVariables {
    const env = envMap(state.image.runConfig);
    const args = new Map<string, string | undefined>();
    for (const [k, v] of state.args) if (v !== undefined) args.set(k, v);
    return variables(env, args);
  }

  /** Allowed build args with values, not shadowed by ENV (BuildArgs.FilterAllowed). */
  private argsInScope(state: StageState): string[] {
    const env = envMap(state.image.runConfig);
    const out: string[] = [];
    for (const [k, v] of state.args) if (v !== undefined && !env.has(k)) out.push(`${k}=${v}`);
    for (const k of BUILTIN_ARGS) {
      const v = this.buildArgs[k];
      if (v !== undefined && v !== null && !state.args.has(k) && !env.has(k)) out.push(`${k}=${v}`);
    }
    return out;
  }

  private shell(state: StageState): string[] {
    const s = state.image.runConfig.Shell as string[] | undefined;
    return s && s.length > 0 ? s : ['/bin/sh', '-c'];
  }

  private async dispatch(state: StageState, c: Instruction): Promise<void> {
    const vars = this.expansionVariables(state);
    const rc = { ...state.image.runConfig };
    const word = (w: string): string => expandWord(w, vars);
    switch (c.kind) {
      case 'env': {
        const env = [...((rc.Env as string[] | null) ?? [])];
        const shown: string[] = [];
        for (const p of c.pairs) {
          const key = word(p.key);
          const value = word(p.value);
          shown.push(`${key}=${value}`);
          const i = env.findIndex((e) => e.split('=')[0] === key);
          if (i >= 0) env[i] = `${key}=${value}`;
          else env.push(`${key}=${value}`);
        }
        rc.Env = env;
        return this.commitMetadata(state, rc, `ENV ${shown.join(' ')}`);
      }
      case 'label': {
        const literal = c.line === 0;
        const labels = { ...((rc.Labels as Record<string, string> | null) ?? {}) };
        const shown: string[] = [];
        for (const p of c.pairs) {
          const key = literal ? p.key : word(p.key);
          const value = literal ? p.value : word(p.value);
          labels[key] = value;
          shown.push(`${key}=${value}`);
        }
        rc.Labels = labels;
        return this.commitMetadata(state, rc, `LABEL ${shown.join(' ')}`);
      }
      case 'maintainer':
        return this.commitMetadata(state, rc, `MAINTAINER ${c.name}`);
      case 'arg': {
        const shown: string[] = [];
        for (const a of c.args) {
          this.consumed.add(a.key);
          const given = this.buildArgs[a.key];
          let value = given !== undefined && given !== null ? given : a.value !== undefined ? word(a.value) : this.meta.get(a.key);
          if (value === undefined && state.args.has(a.key)) value = state.args.get(a.key);
          state.args.set(a.key, value);
          shown.push(a.value !== undefined ? `${a.key}=${a.value}` : a.key);
        }
        return this.commitMetadata(state, rc, `ARG ${shown.join(' ')}`);
      }
      case 'user':
        rc.User = word(c.user);
        return this.commitMetadata(state, rc, `USER ${rc.User as string}`);
      case 'stopsignal':
        rc.StopSignal = word(c.signal);
        return this.commitMetadata(state, rc, `STOPSIGNAL ${rc.StopSignal as string}`);
      case 'expose': {
        const ports = c.ports.flatMap((p) => expandWords(p, vars));
        const exposed = { ...((rc.ExposedPorts as Record<string, object> | undefined) ?? {}) };
        for (const p of ports) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalid(`Invalid containerPort: ${p}`);
          exposed[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        rc.ExposedPorts = exposed;
        return this.commitMetadata(state, rc, `EXPOSE ${[...ports].sort().join(' ')}`);
      }
      case 'volume': {
        const vols = { ...((rc.Volumes as Record<string, object> | null) ?? {}) };
        const paths = c.paths.map(word);
        for (const v of paths) {
          if (v.trim() === '') throw invalid('VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        rc.Volumes = vols;
        return this.commitMetadata(state, rc, `VOLUME ${goPlainList(paths)}`);
      }
      case 'cmd':
      case 'entrypoint': {
        const args = c.json ? c.args : [...this.shell(state), c.args.join(' ')];
        if (c.kind === 'cmd') rc.Cmd = args;
        else {
          rc.Entrypoint = args;
          // An ENTRYPOINT resets the CMD inherited from the base image (not one set in this stage).
          if (!stateHasOwnCmd(state)) rc.Cmd = null;
        }
        if (c.kind === 'cmd') markOwnCmd(state);
        return this.commitMetadata(state, rc, `${c.kind.toUpperCase()} ${goQuotedList(args)}`);
      }
      case 'shell':
        rc.Shell = c.shell;
        state.image = { ...state.image, runConfig: rc };
        return this.commitMetadata(state, rc, `SHELL ${goPlainList(c.shell)}`);
      case 'onbuild':
        rc.OnBuild = [...((rc.OnBuild as string[] | null) ?? []), c.expression];
        return this.commitMetadata(state, rc, `ONBUILD ${c.expression}`);
      case 'healthcheck': {
        const hc: Record<string, unknown> = { Test: c.test };
        const durations: number[] = [];
        for (const [flag, field] of [['interval', 'Interval'], ['timeout', 'Timeout'], ['start-period', 'StartPeriod']] as const) {
          const raw = c.flags[flag];
          let ns = 0;
          if (raw !== undefined) {
            const parsed = parseGoDuration(raw);
            if (parsed === undefined) throw invalid(`time: invalid duration "${raw}"`);
            if (parsed !== 0 && parsed < 1e6) throw invalid(`Interval "${flag}" cannot be less than 1ms`);
            ns = parsed;
          }
          durations.push(ns);
          if (ns !== 0) hc[field] = ns;
        }
        let retries = 0;
        if (c.flags.retries !== undefined) {
          retries = Number(c.flags.retries);
          if (!Number.isInteger(retries) || retries < 0) throw invalid(`--retries must be at least 0`);
          if (retries > 0) hc.Retries = retries;
        }
        rc.Healthcheck = hc;
        const shown = `&{${goQuotedList(c.test)} ${durations.map((d) => `"${formatGoDuration(d)}"`).join(' ')} ${goQuotedRune(retries)}}`;
        return this.commitMetadata(state, rc, `HEALTHCHECK ${shown}`);
      }
      case 'workdir':
        return this.workdir(state, rc, word(c.path));
      case 'copy':
      case 'add':
        return this.copy(state, c, vars);
      case 'run':
        return this.runStep(state, c);
    }
  }

  private commentCmd(state: StageState, comment: string, oneSpace = false): string[] {
    return oneSpace ? [...this.shell(state), `#(nop) ${comment}`] : [...this.shell(state), '#(nop) ', comment];
  }

  private async commitMetadata(state: StageState, rc: Record<string, unknown>, comment: string): Promise<void> {
    state.image = { ...state.image, runConfig: rc };
    const containerConfig = { ...rc, Cmd: this.commentCmd(state, comment) };
    await this.commitStep(state, rc, containerConfig, { fakeContainer: true });
  }

  private async workdir(state: StageState, rc: Record<string, unknown>, path: string): Promise<void> {
    const current = (rc.WorkingDir as string) || '/';
    const dir = '/' + normalizeRelative(path.startsWith('/') ? path : `${current}/${path}`).replace(/^\.$/, '');
    rc.WorkingDir = dir;
    state.image = { ...state.image, runConfig: rc };
    const containerConfig = { ...rc, Cmd: this.commentCmd(state, `WORKDIR ${dir}`, true) };
    await this.commitStep(state, rc, containerConfig, {
      fakeContainer: true,
      changes: async () => {
        const tree = await this.treeOf(state.image, false);
        const rel = normalizeRelative(dir);
        const resolved = tree.resolve(rel);
        if (tree.get(resolved)?.type === 'directory') return undefined;
        const after = tree.clone();
        const entries: Array<{ path: string; node: FsNode }> = [];
        const now = this.nowSeconds();
        const parts = pathParts(resolved);
        for (let i = 1; i <= parts.length; i++) {
          const p = parts.slice(0, i).join('/');
          const existing = after.get(p);
          const node = existing?.type === 'directory' ? { ...existing, mtime: now } : directoryNode(now);
          after.set(p, node);
          entries.push({ path: p, node });
        }
        return { entries, after };
      },
    });
  }

  private async copy(state: StageState, c: Extract<Instruction, { kind: 'copy' | 'add' }>, vars: ShellVariables): Promise<void> {
    const name = c.kind.toUpperCase();
    const rc = state.image.runConfig;
    const expand = (w: string): string => expandWord(w, vars);
    const rawDest = expand(c.dest);
    const workdir = (rc.WorkingDir as string) || '/';
    const destIsDirSyntax = rawDest.endsWith('/') || rawDest === '.' || rawDest.endsWith('/.');
    const dest = normalizeRelative(rawDest.startsWith('/') ? rawDest : `${workdir}/${rawDest}`);
    let sourceTree: FsTree;
    let fromImage = false;
    if (c.from !== undefined) {
      const from = expand(c.from);
      sourceTree = await this.treeOf(await this.fromFlagImage(from));
      fromImage = true;
    } else sourceTree = this.prepared.context;
    const sources: CopySource[] = [];
    const hashes: string[] = [];
    const words = copySourceWords(c.sources, c.heredocs, vars);
    for (const inline of words) {
      if (inline.kind !== 'inline') continue;
      // BuildKit makes each heredoc a 0644 file named after its delimiter, then copies it.
      const tree = new FsTree();
      const body = new TextEncoder().encode(inline.content);
      const file: FsNode = { type: 'file', mode: 0o644, uid: 0, gid: 0, size: body.byteLength, mtime: this.nowSeconds(), linkname: '', devmajor: 0, devminor: 0, pax: {}, body };
      const path = normalizeRelative(inline.name);
      tree.set(path, file);
      hashes.push(sourceHash(this.ctx.ports.hasher, tree, path, this.names));
      sources.push({ tree, path, preserveOwnership: false });
    }
    for (const raw of words.flatMap((w) => (w.kind === 'path' ? [expand(w.word)] : []))) {
      if (isRemoteUrl(raw)) {
        if (c.kind !== 'add') throw invalid(`source can't be a URL for ${name}`);
        // Downloaded before the cache lookup, as the classic builder does: the content keys the step.
        const remote = await fetchRemoteSource(this.ctx.ports.http, raw);
        hashes.push(sourceHash(this.ctx.ports.hasher, remote.tree, remote.path, this.names));
        sources.push({ tree: remote.tree, path: remote.path, preserveOwnership: false });
        continue;
      }
      if (!fromImage && (raw === '..' || raw.startsWith('../') || normalizeRelativeStrict(raw) === undefined)) {
        throw invalid(`${name} failed: forbidden path outside the build context: ${raw} ()`);
      }
      const matches = /[*?[]/.test(raw) ? this.wildcard(sourceTree, raw) : [this.single(sourceTree, raw, name, fromImage)];
      if (matches.length === 0) throw invalid(`${name} failed: no source files were specified`);
      for (const path of matches) {
        const node = sourceTree.get(path)!;
        hashes.push(sourceHash(this.ctx.ports.hasher, sourceTree, path, this.names));
        if (c.kind === 'add' && node.type === 'file' && isArchive(node.body)) {
          const extracted = new FsTree();
          await applyTar(extracted, await this.decompressed(node.body!));
          sources.push({ tree: extracted, path: '.', preserveOwnership: true, contentsOnly: true });
        } else {
          sources.push({ tree: sourceTree, path, preserveOwnership: fromImage });
        }
      }
    }
    const multiple = sources.length > 1;
    if (multiple && !destIsDirSyntax) throw invalid(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
    const srcHash = hashes.length === 1 ? hashes[0] : hashList(this.ctx.ports.hasher, 'multi', hashes);
    const chownComment = c.chown !== undefined ? `--chown=${c.chown}` : '';
    const comment = `${name} ${chownComment}${srcHash} in ${rawDest} `;
    const containerConfig = { ...rc, Cmd: this.commentCmd(state, comment, true) };
    await this.commitStep(state, rc, containerConfig, {
      changes: async () => {
        const tree = await this.treeOf(state.image, false);
        const owner = c.chown !== undefined ? parseChown(expand(c.chown), /[^\d:]/.test(expand(c.chown)) ? await this.treeOf(state.image) : tree) : undefined;
        let chmod: number | undefined;
        if (c.chmod !== undefined) {
          const m = expand(c.chmod);
          if (!/^[0-7]{1,4}$/.test(m)) throw invalid(`invalid chmod parameter: ${m}`);
          chmod = parseInt(m, 8);
        }
        const result = copyChanges(tree, sources, { dest, destIsDir: destIsDirSyntax || multiple, owner, chmod, now: this.nowSeconds() });
        return result;
      },
    });
  }

  private single(tree: FsTree, raw: string, name: string, fromImage: boolean): string {
    const resolved = tree.resolve(normalizeRelative(raw));
    if (!tree.has(resolved)) {
      const shown = normalizeRelative(raw);
      if (fromImage) throw invalid(`${name} failed: stat ${shown === '.' ? '/' : '/' + shown}: file does not exist`);
      throw invalid(`${name} failed: file not found in build context or excluded by .dockerignore: stat ${shown}: file does not exist`);
    }
    return resolved;
  }

  private wildcard(tree: FsTree, raw: string): string[] {
    const pattern = normalizeRelative(raw);
    const out: string[] = [];
    for (const p of tree.paths()) if (globMatch(pattern, p)) out.push(tree.resolve(p));
    return out;
  }

  private async fromFlagImage(from: string): Promise<ImageState> {
    const plan = this.prepared.plan;
    const index = /^\d+$/.test(from) ? Number(from) : plan.stages.findIndex((s) => s.name === from.toLowerCase());
    if (index >= 0 && this.stageImages.has(index)) return this.stageImages.get(index)!;
    if (/^\d+$/.test(from)) throw invalid(`invalid from flag value ${from}: refers to current build stage`);
    try {
      return await this.storedImage(from);
    } catch (e) {
      if (isStrataError(e, 'not-found')) throw invalid(`invalid from flag value ${from}: No such image: ${from}`);
      throw e;
    }
  }

  private async decompressed(body: Uint8Array): Promise<ReadableStream<Uint8Array>> {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(body);
        c.close();
      },
    });
    if (body[0] === 0x1f && body[1] === 0x8b) return stream.pipeThrough(this.ctx.ports.codecs.decompress('gzip'));
    return stream;
  }

  private async runStep(state: StageState, c: Extract<Instruction, { kind: 'run' }>): Promise<void> {
    const rc = state.image.runConfig;
    const heredoc = !c.json && c.heredocs.length > 0 ? heredocRun(c.args.join(' '), c.heredocs) : undefined;
    const argv = c.json ? c.args : [...this.shell(state), heredoc ? heredoc.script : c.args.join(' ')];
    const runArgv = heredoc?.file ? heredocFileArgv(heredoc.file, argv) : argv;
    const args = this.argsInScope(state);
    const saved = args.length > 0 ? [`|${args.length}`, ...[...args].sort(), ...argv] : argv;
    const containerConfig = { ...rc, Cmd: saved };
    await this.commitStep(state, rc, containerConfig, {
      // A script run from a file is named in Cmd by its path only: its body keys the cache.
      keyExtra: heredoc?.file?.body,
      run: async () => {
        if (!this.runner) throw unavailable(`RUN needs a container runtime (runc and conmon, as root); this engine has none`);
        if (state.image.id === '') throw invalid('Please provide a source image with `from` prior to run');
        const env = [...((rc.Env as string[] | null) ?? []), ...args];
        let container = '';
        const result = await this.runner.run({
          imageId: state.image.id,
          config: { ...rc, Cmd: runArgv, Entrypoint: null, Env: env },
          argv: runArgv,
          env,
          networkMode: this.options.networkMode,
          signal: this.options.signal,
          onOutput: (text, stream) => this.emit({ kind: 'output', text, stream }),
          onContainer: (id) => {
            container = id;
            this.emit({ kind: 'running', container: id });
          },
        });
        if (result.exitCode !== 0) {
          throw new BuildStepFailed(`The command '${argv.join(' ')}' returned a non-zero code: ${result.exitCode}`, result.exitCode);
        }
        this.emit({ kind: 'removing', container });
        return result.layer;
      },
    });
  }

  /**
   * Reuses a cached image for this step or makes one: metadata only, a layer computed from
   * `changes`, or a container `run`. Records the step in the persistent cache.
   */
  private async commitStep(
    state: StageState,
    rc: Record<string, unknown>,
    containerConfig: Record<string, unknown>,
    how: { keyExtra?: string; fakeContainer?: boolean; changes?: () => Promise<{ entries: Array<{ path: string; node: FsNode }>; after: FsTree } | undefined>; run?: () => Promise<IngestedLayer | undefined> },
  ): Promise<void> {
    const parent = state.image;
    const cc = dockerContainerConfig({ ...containerConfig, Image: parent.id });
    const key = sha256OfText(this.ctx.ports.hasher, JSON.stringify({ parent: parent.id, config: cc, epoch: this.epoch ?? null, ...(how.keyExtra !== undefined ? { extra: how.keyExtra } : {}) }));
    if (!this.options.noCache) {
      const hit = await this.ctx.ports.metadata.get<{ image: Digest }>(CACHE, key.replace(':', '-'));
      if (hit && (await this.ctx.store.image(hit.image))) {
        this.emit({ kind: 'cache' });
        state.image = await this.imageState(hit.image, rc);
        this.emit({ kind: 'image', id: hit.image });
        return;
      }
    }
    let layer: IngestedLayer | undefined;
    let after: FsTree | undefined;
    let snapshot: SnapshotDraft | undefined;
    if (how.run) {
      layer = await how.run();
    } else {
      const fake = how.fakeContainer ? this.fakeContainerId(key) : undefined;
      if (fake) this.emit({ kind: 'running', container: fake });
      const changes = how.changes ? await how.changes() : undefined;
      if (changes && changes.entries.length > 0) {
        const tar = layerTar(changes.entries, this.names);
        ({ layer, snapshot } = await storeStepLayer(this.ctx.ports, tar.bytes, tar.entries, inOverlayForm(changes.entries)));
        after = changes.after;
      }
      if (fake) this.emit({ kind: 'removing', container: fake });
    }
    try {
      await this.writeStepImage(state, rc, cc, key, layer, after);
    } catch (e) {
      await snapshot?.abort().catch(() => undefined);
      throw e;
    }
    // A snapshot is derived data: one that cannot be kept is made from the blob when a container needs it.
    await snapshot?.commit(state.image.layers.map((l) => l.diffId)).catch(() => undefined);
  }

  private async writeStepImage(
    state: StageState,
    rc: Record<string, unknown>,
    cc: Record<string, unknown>,
    key: string,
    layer: IngestedLayer | undefined,
    after: FsTree | undefined,
  ): Promise<void> {
    const parent = state.image;
    const created = this.createdTime();
    const history = [...(((parent.config.history as unknown[]) ?? []) as Array<Record<string, unknown>>)];
    history.push(layer ? { created, created_by: (cc.Cmd as string[]).join(' ') } : { created, created_by: (cc.Cmd as string[]).join(' '), empty_layer: true });
    const layers = layer ? [...parent.layers, layer] : parent.layers;
    const config = {
      architecture: (parent.config.architecture as string | undefined) ?? 'amd64',
      config: dockerContainerConfig({ ...rc, Image: parent.id }),
      container_config: cc,
      created,
      docker_version: 'strata',
      history,
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    };
    const blob = parseImageConfig(new TextEncoder().encode(JSON.stringify(config)), this.ctx.ports.hasher);
    const id = await writeImage(this.ctx, { config: blob, layers, parent: parent.id || undefined });
    await this.ctx.ports.metadata.put(CACHE, key.replace(':', '-'), { image: id });
    // The tree after a COPY/WORKDIR knows the parent only by its headers.
    if (layer && after) rememberHeaderTree(this.ctx, chainKeys(layers)[layers.length - 1], after);
    state.image = { id, config, runConfig: rc, layers, headers: layer ? after : (parent.headers ?? parent.tree), tree: layer ? undefined : parent.tree };
    this.emit({ kind: 'image', id });
  }

  private fakeContainerId(key: string): string {
    // The classic builder runs a throwaway container for metadata steps; nothing needs to run here.
    const random = this.epoch !== undefined ? key : Array.from(this.ctx.ports.random.bytes(32), (b) => b.toString(16).padStart(2, '0')).join('');
    return sha256OfText(this.ctx.ports.hasher, random).slice(7);
  }

  private async imageState(id: Digest, rc: Record<string, unknown>): Promise<ImageState> {
    // An image is immutable under its ID: a cached step's config and layers are read once per engine.
    let known = builtImages.get(this.ctx)?.get(id);
    if (!known) {
      const image = await this.storedImage(id);
      known = { id: image.id, config: image.config, layers: image.layers };
      let byId = builtImages.get(this.ctx);
      if (!byId) builtImages.set(this.ctx, (byId = new Map()));
      if (byId.size > 4096) byId.clear();
      byId.set(id, known);
    }
    return { ...known, runConfig: rc };
  }
}

/** A RUN that exited non-zero: the classic message and the exit code the CLI exits with. */
export class BuildStepFailed extends StrataError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super('invalid', message);
  }
}

const contextMemos = new WeakMap<EngineContext, ContextMemo>();

/** The engine's memo of the last contexts it read (a rebuild sends the same bytes again). */
function contextMemoOf(ctx: EngineContext): ContextMemo {
  let memo = contextMemos.get(ctx);
  if (!memo) contextMemos.set(ctx, (memo = new ContextMemo()));
  return memo;
}

const headerTrees = new WeakMap<EngineContext, Map<string, FsTree>>();
const MAX_HEADER_TREES = 8;

function engineHeaderTrees(ctx: EngineContext): Map<string, FsTree> {
  let trees = headerTrees.get(ctx);
  if (!trees) headerTrees.set(ctx, (trees = new Map()));
  return trees;
}

function rememberHeaderTree(ctx: EngineContext, key: string, tree: FsTree): void {
  const trees = engineHeaderTrees(ctx);
  trees.delete(key);
  trees.set(key, tree);
  // Oldest first out: a Map iterates in insertion order.
  while (trees.size > MAX_HEADER_TREES) trees.delete(trees.keys().next().value!);
}

/** The key of every prefix of a layer chain: keys[i] names layers 0..i. */
function chainKeys(layers: IngestedLayer[]): string[] {
  const keys: string[] = [];
  let key = '';
  for (const l of layers) keys.push((key = key === '' ? l.diffId : `${key},${l.diffId}`));
  return keys;
}

const builtImages = new WeakMap<EngineContext, Map<string, Pick<ImageState, 'id' | 'config' | 'layers'>>>();
const ownCmd = new WeakSet<StageState>();
const stateHasOwnCmd = (s: StageState): boolean => ownCmd.has(s);
const markOwnCmd = (s: StageState): void => void ownCmd.add(s);

function scratchImage(): ImageState {
  const runConfig = dockerContainerConfig({});
  return { id: '', config: { architecture: 'amd64', os: 'linux', history: [] }, runConfig, layers: [], tree: new FsTree() };
}

function ingested(rec: LayerRecord): IngestedLayer {
  return { blob: rec.blob, blobSize: rec.blobSize, mediaType: rec.mediaType, diffId: rec.diffId, tarSize: rec.tarSize, size: rec.size, entries: rec.entries };
}

function envMap(rc: Record<string, unknown>): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (const e of (rc.Env as string[] | null) ?? []) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

/** The clean relative form of a context path, or undefined when it climbs out of the context. */
function normalizeRelativeStrict(p: string): string | undefined {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return p.startsWith('/') ? '.' : undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/') || '.';
}

async function collectBody(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.byteLength;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Applies a tar's headers to the tree as it streams by, bodies skipped. */
async function applyTarHeaders(tree: FsTree, stream: ReadableStream<Uint8Array>): Promise<void> {
  const scanner = new TarHeaderScanner((entry) => tree.apply(entry, undefined));
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    scanner.push(value);
  }
  scanner.end();
}

/**
 * Applies a whole tar to the tree. The archive is read into memory first and scanned in one
 * pass (bodies are views into it): a stream per entry costs more than the entry for small files.
 */
async function applyTar(tree: FsTree, stream: ReadableStream<Uint8Array>): Promise<void> {
  const bytes = await collectBody(stream);
  const scanner: TarHeaderScanner = new TarHeaderScanner((entry) => {
    const isFile = entry.type === 'file' || entry.type === 'contiguous';
    const body = isFile ? bytes.subarray(scanner.offset, scanner.offset + entry.size) : undefined;
    if (body && body.byteLength !== entry.size) throw invalid(`unexpected EOF in the body of ${JSON.stringify(entry.path)}`);
    tree.apply(entry, body);
  });
  scanner.push(bytes);
  scanner.end();
}

/** A context tar as a tree; names that leave the context (`../`, absolute, escaping hard links) are refused. */
export async function treeOfTar(stream: ReadableStream<Uint8Array>, hasher?: Hasher, memo?: ContextMemo): Promise<FsTree> {
  try {
    return await contextTree(stream, hasher, memo);
  } catch (e) {
    if (e instanceof StrataError) throw invalid(`invalid build context: ${e.message}`);
    throw e;
  }
}

function isArchive(body: Uint8Array | undefined): boolean {
  if (!body || body.byteLength < 2) return false;
  if (body[0] === 0x1f && body[1] === 0x8b) return true;
  if (body.byteLength >= 263 && new TextDecoder().decode(body.subarray(257, 262)) === 'ustar') return true;
  return false;
}

function globMatch(pattern: string, path: string): boolean {
  const pp = pattern.split('/');
  const parts = path.split('/');
  if (pp.length !== parts.length) return false;
  return pp.every((p, i) => segmentMatch(p, parts[i]));
}

function segmentMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw invalid('syntax error in pattern');
      re += '[' + pattern.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\') + ']';
      i = end;
    } else if (ch === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 'u').test(name);
}

function parseChown(spec: string, tree: FsTree): { uid: number; gid: number } {
  const [user, group] = spec.split(':');
  const lookup = (file: string, name: string, kind: 'uid' | 'gid'): number => {
    if (/^\d+$/.test(name)) return Number(name);
    const node = tree.get(tree.resolve(file));
    const text = node?.body ? new TextDecoder().decode(node.body) : '';
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f[2] !== undefined) return Number(f[2]);
    }
    throw invalid(`unable to convert uid/gid chown string to host mapping: can't find ${kind} for ${kind === 'uid' ? 'user' : 'group'} ${name}: no such ${kind === 'uid' ? 'user' : 'group'}: ${name}`);
  };
  const uid = lookup('etc/passwd', user, 'uid');
  const gid = group === undefined || group === '' ? uid : lookup('etc/group', group, 'gid');
  return { uid, gid };
}

function layerTar(entries: Array<{ path: string; node: FsNode }>, names: NameOf): { bytes: Uint8Array; entries: TarBytesEntry[] } {
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  const out: TarBytesEntry[] = sorted.map(({ path, node }) => ({
    ...tarEntry({
      path: node.type === 'directory' ? `${path}/` : path,
      type: node.type,
      mode: node.mode,
      uid: node.uid,
      gid: node.gid,
      uname: names(node.uid),
      gname: names(node.gid),
      size: node.type === 'file' ? node.size : 0,
      mtime: node.mtime,
      linkname: node.linkname,
      devmajor: node.devmajor,
      devminor: node.devminor,
      pax: node.pax,
    }),
    body: node.type === 'file' ? (node.body ?? new Uint8Array()) : undefined,
  }));
  return { bytes: tarBytes(out), entries: out };
}

