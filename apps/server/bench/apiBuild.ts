// The same client for both engines: a POST /build over the engine's unix socket with a context tar
// already in memory and the query and headers the docker CLI sent (recorded by buildCapture.ts).
// Its time is the engine's work from the first byte of the request to the last of the answer,
// without the CLI's walking and tarring of the context.
import { request } from 'node:http';
import type { CapturedBuild } from './buildCapture.js';

/** How one API build went: wall time, the build's text output, and its error if it failed. */
export interface ApiBuildResult {
  seconds: number;
  text: string;
  error?: string;
}

/** Sends `build` (with `body` instead of the recorded bytes when given) to the engine at `socketPath`. */
export function postBuild(socketPath: string, build: CapturedBuild, body: Uint8Array = build.body): Promise<ApiBuildResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: build.path, method: 'POST', headers: { ...build.headers, 'content-length': String(body.byteLength) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('end', () => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const raw = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return resolve({ seconds, text: '', error: `HTTP ${res.statusCode}: ${raw.trim()}` });
          let text = '';
          let error: string | undefined;
          for (const line of raw.split(/\r?\n/)) {
            if (line.trim() === '') continue;
            const m = JSON.parse(line) as { stream?: string; error?: string };
            if (m.stream) text += m.stream;
            if (m.error) error = m.error;
          }
          resolve({ seconds, text, error });
        });
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * The context with the body of the file `name` replaced by `content` (same length, so every offset
 * stays): a one-file change as the CLI would send it after the file was edited.
 */
export function withFileContent(tar: Uint8Array, name: string, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(tar);
  const decoder = new TextDecoder();
  for (let at = 0; at + 512 <= out.byteLength; ) {
    const header = out.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const entryName = decoder.decode(header.subarray(0, 100)).replace(/\0.*$/s, '');
    const size = parseInt(decoder.decode(header.subarray(124, 136)).replace(/\0.*$/s, '').trim() || '0', 8);
    if (entryName === name) {
      if (content.byteLength !== size) throw new Error(`${name} holds ${size} bytes; the change must keep the length (${content.byteLength} given)`);
      out.set(content, at + 512);
      return out;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} is not in the context tar`);
}
