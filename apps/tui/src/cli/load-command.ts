import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ImageEngine } from '@strata/core';
import { fail, openOrExplain } from './open-or-explain.js';

export interface LoadSource {
  /** Archive path; undefined reads standard input. */
  input: string | undefined;
  stdin: NodeJS.ReadStream;
}

/** Thrown for a source that cannot be read, with docker's wording. */
export class LoadSourceError extends Error {}

/** The archive as a byte stream: the file, or standard input when it is not a terminal. */
export async function openLoadSource({ input, stdin }: LoadSource): Promise<ReadableStream<Uint8Array>> {
  if (input === undefined) {
    if (stdin.isTTY) throw new LoadSourceError('requested load from stdin, but stdin is empty');
    return Readable.toWeb(stdin) as ReadableStream<Uint8Array>;
  }
  try {
    await stat(input);
  } catch {
    throw new LoadSourceError(`open ${input}: no such file or directory`);
  }
  return Readable.toWeb(createReadStream(input)) as ReadableStream<Uint8Array>;
}

/**
 * `strata load`: loads a `docker save` archive and prints docker's `Loaded image: ...` lines
 * (which `docker load -q` prints too: quiet only drops progress, and we print none).
 */
export async function runLoad(engine: ImageEngine, archive: ReadableStream<Uint8Array>, out: (line: string) => void): Promise<string[]> {
  const result = await engine.loadImages(archive);
  for (const message of result.messages) out(message);
  return result.imageIds;
}

/** `strata load [-i FILE]` on the embedded engine: returns the exit status. */
export async function loadIntoDataRoot(dataRoot: string | undefined, input: string | undefined): Promise<number> {
  let archive: ReadableStream<Uint8Array>;
  try {
    archive = await openLoadSource({ input, stdin: process.stdin });
  } catch (e) {
    if (e instanceof LoadSourceError) return fail(e.message);
    throw e;
  }
  const embedded = await openOrExplain(dataRoot);
  if (typeof embedded === 'number') return embedded;
  try {
    await runLoad(embedded.engine, archive, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  } finally {
    await embedded.close();
  }
}
