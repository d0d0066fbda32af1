import type { ProgressMessage } from '@strata/core';
import { humanSize } from '../format/index.js';
import { advanceBuild, buildLines, type BuildProgress } from './build-log.js';
import type { HostFiles } from './host-files.js';
import type { JobBoard, JobReport } from './job-board.js';
import { applyPullMessage, pullSummary, type LayerProgress } from './pull-progress.js';
import type { TuiEngine } from './tui-engine.js';
import type { Dialog } from './workbench.js';

/** What the image work asks of the app around it. */
export interface WorkHost {
  /** Shows a question or a form. */
  ask(dialog: Dialog): void;
  /** Shows the engine's message in the status line. */
  fail(message: string): void;
  /** Shows what the work did in the status line. */
  notify(message: string): void;
  /** Opens the jobs panel (a pull or build started). */
  showJobs(): void;
}

const lastSegment = (path: string): string => path.replace(/\/+$/, '').split('/').pop() || 'extracted';

/**
 * The long work of the Images panel, each a job of the jobs panel: pull (per-layer progress),
 * build (the step log with cache hits), save to a file and extract a file of an image to the
 * host (never over an existing file without asking).
 */
export class ImageWork {
  constructor(
    private readonly engine: TuiEngine,
    private readonly jobs: JobBoard,
    private readonly host: WorkHost,
    private readonly files?: HostFiles,
  ) {}

  /** The pull form: an image reference. */
  askPull(): void {
    if (!this.engine.pullImage) return this.host.fail('this engine cannot pull images');
    this.host.ask({
      kind: 'form',
      title: 'Pull an image from its registry',
      fields: [{ name: 'reference', label: 'Image', value: '', placeholder: 'name[:tag|@digest], e.g. 127.0.0.1:5000/busybox:1.36' }],
      field: 0,
      onSubmit: (v) => void this.pull(v.reference ?? ''),
    });
  }

  /** Pulls `reference`, one progress row per layer; resolves when the job ended. */
  async pull(reference: string): Promise<void> {
    const pullImage = this.engine.pullImage?.bind(this.engine);
    const name = reference.trim();
    if (!pullImage) return this.host.fail('this engine cannot pull images');
    if (name === '') return this.host.fail('name the image to pull');
    this.host.showJobs();
    const job = await this.jobs.run(
      `pull ${name}`,
      async (report, signal) => {
        let layers: LayerProgress[] = [];
        const onProgress = (m: ProgressMessage): void => {
          const next = applyPullMessage(layers, m);
          layers = next.layers;
          if (next.line) report.line({ text: next.line, tone: 'plain' });
          report.layers(layers);
          report.summary(pullSummary(layers));
        };
        const result = await pullImage(name, { onProgress, signal });
        return `${result.upToDate ? 'Image is up to date for' : 'Downloaded newer image for'} ${result.name}`;
      },
      { cancellable: true },
    );
    this.finished(job.state, job.state === 'cancelled' ? `pull ${name} cancelled` : job.summary);
  }

  /** The build form: context directory, Dockerfile, tag. */
  askBuild(): void {
    if (!this.engine.buildImage) return this.host.fail('this engine cannot build images');
    this.host.ask({
      kind: 'form',
      title: 'Build an image (classic builder)',
      fields: [
        { name: 'context', label: 'Context', value: '', placeholder: 'a directory, e.g. ./app' },
        { name: 'dockerfile', label: 'Dockerfile', value: '', placeholder: 'Dockerfile (relative to the context)' },
        { name: 'tag', label: 'Tag', value: '', placeholder: 'name[:tag] (optional)' },
      ],
      field: 0,
      onSubmit: (v) => void this.build(v.context ?? '', v.dockerfile ?? '', v.tag ?? ''),
    });
  }

  /** Builds the directory `context`; the step log (cache hits included) goes to the job. */
  async build(context: string, dockerfile: string, tag: string): Promise<void> {
    const buildImage = this.engine.buildImage?.bind(this.engine);
    const files = this.files;
    if (!buildImage) return this.host.fail('this engine cannot build images');
    if (!files) return this.host.fail('building needs the host files (a build context)');
    if (context.trim() === '') return this.host.fail('name the build context (a directory)');
    const file = dockerfile.trim() || 'Dockerfile';
    const tags = tag.trim() ? [tag.trim()] : [];
    this.host.showJobs();
    const job = await this.jobs.run(`build ${context.trim()}${tags.length ? ` -t ${tags[0]}` : ''}`, async (report, signal) => {
      const tar = await files.packContext(context.trim(), file);
      const { classicBuildText } = await import('@strata/core');
      let progress: BuildProgress = { step: 0, total: 0, cached: 0 };
      const id = await buildImage(tar, { dockerfile: file, tags, signal }, (event) => {
        for (const line of buildLines(event, classicBuildText)) report.line(line);
        progress = advanceBuild(progress, event);
        report.summary(`step ${progress.step}/${progress.total}, ${progress.cached} from cache`);
      });
      return `built ${id.replace(/^sha256:/, '').slice(0, 12)}${tags.length ? ` as ${tags[0]}` : ''}: ${progress.total} steps, ${progress.cached} from cache`;
    }, { cancellable: true });
    this.finished(job.state, job.summary);
  }

  /** The save form for `reference`: a file on the host. */
  askSave(reference: string): void {
    if (!this.engine.saveImages) return this.host.fail('this engine cannot save images');
    const suggested = `${lastSegment(reference.replace(/[:@]/g, '_'))}.tar`;
    this.host.ask({
      kind: 'form',
      title: `Save ${reference} to a docker save archive`,
      fields: [{ name: 'path', label: 'File', value: suggested }],
      field: 0,
      onSubmit: (v) => void this.unlessPresent(v.path ?? '', () => this.save(reference, v.path ?? '')),
    });
  }

  /** Writes `docker save REFERENCE` to `path` (over whatever is there). */
  async save(reference: string, path: string): Promise<void> {
    const saveImages = this.engine.saveImages?.bind(this.engine);
    const files = this.files;
    if (!saveImages || !files) return this.host.fail('saving needs an engine that saves and the host files');
    const job = await this.jobs.run(
      `save ${reference}`,
      async (report, signal) => {
        report.summary(`writing ${path}`);
        const bytes = await files.writeFile(path.trim(), await saveImages([reference]), undefined, signal);
        return `saved ${reference} to ${path.trim()} (${humanSize(bytes)})`;
      },
      { cancellable: true },
    );
    this.finished(job.state, job.state === 'cancelled' ? `save ${reference} cancelled` : job.summary);
  }

  /** The extract form: a path in the image (suggested from the Layers filter) and where to put it. */
  askExtract(image: string, reference: string, suggested: string): void {
    if (!this.engine.archiveContainerPath) return this.host.fail('this engine cannot read files of images');
    this.host.ask({
      kind: 'form',
      title: `Extract a file of ${reference} to the host`,
      fields: [
        { name: 'path', label: 'Path in image', value: suggested, placeholder: '/etc/os-release' },
        { name: 'target', label: 'Save to', value: '', placeholder: "the file's name, in the current directory" },
      ],
      field: suggested ? 1 : 0,
      onSubmit: (v) => {
        const inImage = (v.path ?? '').trim();
        const target = (v.target ?? '').trim() || lastSegment(inImage);
        void this.unlessPresent(target, () => this.extract(image, inImage, target));
      },
    });
  }

  /**
   * Copies the file at `path` of `image` to `target` as `docker create` + `docker cp` + `docker rm`
   * do (the only way the Docker API reads an image's files): the container is never started and
   * always removed.
   */
  async extract(image: string, path: string, target: string): Promise<void> {
    const engine = this.engine;
    const archive = engine.archiveContainerPath?.bind(engine);
    const files = this.files;
    if (!archive || !files) return this.host.fail('extracting needs an engine with container files and the host files');
    if (!path.startsWith('/')) return this.host.fail(`the path in the image must be absolute: ${path}`);
    const job = await this.jobs.run(`extract ${path}`, async (report) => {
      const created = await engine.createContainer({ Image: image, Cmd: ['/strata-extract'], Entrypoint: [], Labels: { 'strata.extract': path } });
      try {
        report.summary('reading the image');
        const { archive: tar } = await archive(created.Id, path);
        const { readTar } = await import('@strata/core');
        for await (const entry of readTar(tar)) {
          if (entry.type === 'file') {
            const bytes = await files.writeFile(target, entry.body, entry.mode);
            return `extracted ${path} to ${target} (${humanSize(bytes)})`;
          }
          await entry.body.cancel();
          if (entry.type === 'symlink') throw new Error(`${path} is a symbolic link to ${entry.linkname}: extract that path instead`);
          throw new Error(`${path} is ${entry.type === 'directory' ? 'a directory' : `a ${entry.type}`}: only files can be extracted`);
        }
        throw new Error(`${path}: nothing in the archive`);
      } finally {
        await engine.removeContainer(created.Id, { force: true }).catch(() => undefined);
      }
    });
    this.finished(job.state, job.summary);
  }

  /** Runs `then` when nothing is at `path`, else asks before overwriting. */
  private async unlessPresent(path: string, then: () => Promise<void>): Promise<void> {
    const trimmed = path.trim();
    if (trimmed === '') return this.host.fail('name the file');
    if (!this.files) return then();
    let present: boolean;
    try {
      present = await this.files.exists(trimmed);
    } catch (e) {
      return this.host.fail(e instanceof Error ? e.message : String(e));
    }
    if (!present) return then();
    this.host.ask({ kind: 'confirm', message: `${trimmed} exists. Overwrite it?`, onConfirm: () => void then() });
  }

  private finished(state: 'running' | 'done' | 'failed' | 'cancelled', summary: string): void {
    if (state === 'failed') this.host.fail(summary);
    else this.host.notify(summary);
  }
}

export type { JobReport };
