import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Writes `text` to `path` (relative to the working directory; an existing file is replaced) and returns the absolute path. */
export async function saveTextFile(path: string, text: string): Promise<string> {
  if (path === '') throw new Error('no file name given');
  const absolute = resolve(path);
  await writeFile(absolute, text);
  return absolute;
}
