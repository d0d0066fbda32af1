// Test-only: the shared `docker save` fixtures as the byte streams the engine loads.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { imageFixturesDir } from './fixture-engine.js';

/** Path of a fixture's `docker save` archive (`02-whiteout` -> .../02-whiteout/image.tar). */
export function fixtureArchivePath(fixture: string): string {
  return join(imageFixturesDir, fixture, 'image.tar');
}

/** A fixture's archive streamed from disk. */
export function fixtureArchive(fixture: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(fixtureArchivePath(fixture))) as ReadableStream<Uint8Array>;
}
