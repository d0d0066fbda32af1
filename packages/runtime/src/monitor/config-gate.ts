import { closeSync, constants, lstatSync, openSync, writeSync } from 'node:fs';
import { libcFunctions } from './libc.js';

type Mkfifo = (path: string, mode: number) => number;
const mkfifo = libcFunctions((lib) => lib.func('int mkfifo(const char *path, unsigned int mode)') as Mkfifo);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A bundle's config.json made a FIFO, so that conmon and `runc create` can be started before the
 * container is known: runc's first look at the bundle is a read of config.json, and it waits there
 * until the engine writes the config. The engine holds the FIFO open read-write, so runc's open
 * never blocks and written bytes wait in the pipe; it keeps it open until conmon reports, since a
 * close before runc opened would leave runc waiting for a writer forever. A config that will not
 * come is refused with bytes runc cannot parse: runc fails at once and conmon reports it.
 */
export class ConfigGate {
  private constructor(
    private fd: number | undefined,
    readonly path: string,
  ) {}

  /** mkfifo + open at `path`; undefined where a FIFO cannot be made (no koffi, or the call fails). */
  static create(path: string): ConfigGate | undefined {
    const make = mkfifo();
    if (!make || make(path, 0o600) !== 0) return undefined;
    try {
      return new ConfigGate(openSync(path, constants.O_RDWR | constants.O_NONBLOCK), path);
    } catch {
      return undefined;
    }
  }

  /**
   * Hand runc its config: all of it, however slowly runc reads (a pipe holds 64 KiB, 8 KiB once
   * the user has many pipes). A runc that reads nothing for `timeoutMs` is given up on.
   */
  async write(text: string, timeoutMs = 10_000): Promise<void> {
    const bytes = Buffer.from(text);
    let offset = 0;
    const deadline = Date.now() + timeoutMs;
    while (offset < bytes.length) {
      if (this.fd === undefined) throw new Error(`config gate ${this.path} is closed`);
      if (Date.now() > deadline) throw new Error(`runc did not read its config at ${this.path} within ${timeoutMs} ms`);
      try {
        offset += writeSync(this.fd, bytes, offset);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await sleep(1);
      }
    }
  }

  /** Make runc fail now rather than wait for a config that will not come. */
  refuse(): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, '!\n');
    } catch {
      // A full pipe already holds a config runc is reading.
    }
  }

  /** Let go of the FIFO (once conmon has reported). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * A FIFO left at `path` by an engine that died with a launch waiting: a runc may still wait to
 * read it. Refuse it (runc then fails and its conmon goes).
 */
export function refuseLeftoverGate(path: string): void {
  try {
    if (!lstatSync(path).isFIFO()) return;
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      writeSync(fd, '!\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    // Nothing there, or nobody waiting.
  }
}
