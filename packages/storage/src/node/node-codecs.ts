import { spawn } from 'node:child_process';
import { createGunzip, createGzip, type Gunzip, type Gzip } from 'node:zlib';
import { StrataError, invalid, unavailable, type Codecs, type Compression } from '@strata/core';
import { isErrno } from '../fs/durable-file.js';
import { adaptiveGzip, adaptiveGzipAvailable } from './adaptive-gzip.js';
import { transformFromNodeStreams } from './node-stream-transform.js';

/** The Debian package that brings each external decompressor. */
const EXTERNAL: Record<'bzip2' | 'xz' | 'zstd', { command: string; args: string[]; debianPackage: string }> = {
  bzip2: { command: 'bzip2', args: ['-dc'], debianPackage: 'bzip2' },
  xz: { command: 'xz', args: ['-dc'], debianPackage: 'xz-utils' },
  zstd: { command: 'zstd', args: ['-dcq'], debianPackage: 'zstd' },
};

export interface NodeCodecsOptions {
  /** Environment for the decompressor processes (its PATH decides which binaries are found). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Codecs port: gzip both ways in-process (node:zlib; compression stores incompressible segments, see adaptiveGzip); bzip2, xz and zstd decompression by the
 * `bzip2 -dc`, `xz -dc` and `zstd -dc` binaries as child processes, as dockerd does for xz.
 */
export function createNodeCodecs(options: NodeCodecsOptions = {}): Codecs {
  return {
    decompress(kind: Exclude<Compression, 'none'>) {
      if (kind === 'gzip') return zlibTransform(() => createGunzip({ chunkSize: 512 * 1024 }), 'gzip decompression failed');
      const tool = EXTERNAL[kind];
      if (!tool) throw invalid(`unsupported compression: ${String(kind)}`);
      return childTransform(tool.command, tool.args, tool.debianPackage, options.env ?? process.env);
    },
    compress(kind: 'gzip') {
      if (kind !== 'gzip') throw invalid(`unsupported compression: ${String(kind)}`);
      if (adaptiveGzipAvailable) return adaptiveGzip();
      return zlibTransform(() => createGzip({ chunkSize: 128 * 1024 }), 'gzip compression failed');
    },
  };
}

/** The Codecs port with the process's own PATH. */
export const nodeCodecs: Codecs = createNodeCodecs();

function zlibTransform(make: () => Gzip | Gunzip, what: string): TransformStream<Uint8Array, Uint8Array> {
  return transformFromNodeStreams(() => {
    const z = make();
    const finished = new Promise<void>((resolve, reject) => {
      z.on('end', resolve);
      z.on('error', (e) => reject(invalid(`${what}: ${e.message}`, e)));
    });
    return { input: z, output: z, finished, stop: () => z.destroy() };
  });
}

function childTransform(
  command: string,
  args: string[],
  debianPackage: string,
  env: NodeJS.ProcessEnv,
): TransformStream<Uint8Array, Uint8Array> {
  return transformFromNodeStreams(() => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    const finished = new Promise<void>((resolve, reject) => {
      child.on('error', (e) => {
        reject(
          isErrno(e, 'ENOENT')
            ? unavailable(`${command} is not installed: apt-get install ${debianPackage}`)
            : new StrataError('internal', `cannot run ${command}: ${e.message}`, { cause: e }),
        );
      });
      child.stdout.on('error', reject);
      child.on('close', (code, signal) => {
        if (code === 0) return resolve();
        const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
        reject(invalid(`${command} decompression failed: ${why}`));
      });
    });
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    return { input: child.stdin, output: child.stdout, finished, stop };
  });
}
