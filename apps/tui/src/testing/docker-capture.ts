// Test-only: reads the captured docker CLI sessions of the shared fixtures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the captured docker CLI sessions live (see the README there). */
export const capturesDir = '/work/shared/fixtures/docker-api-captures';

/** A captured docker CLI session: what the user saw and the JSON bodies the daemon sent. */
export interface DockerCapture {
  /** Output lines after the `$ docker ...` line, without the `[exit=N]` trailer. */
  screen: string[];
  /** Each JSON array body the daemon sent, parsed. */
  bodies: unknown[];
  /** The daemon's last `Date:` header, in milliseconds: the moment the CLI formatted times. */
  date: number;
}

/** Reads a capture file of the shared fixtures. */
export function readCapture(name: string): DockerCapture {
  const text = readFileSync(join(capturesDir, `${name}.txt`), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## what the user saw'));
  const exit = lines.findIndex((l, i) => i > start && l.startsWith('[exit='));
  const screen = lines.slice(start + 2, exit);
  const bodies: unknown[] = [];
  let date = Number.NaN;
  for (const line of lines.slice(exit)) {
    const header = /^Date: (.*)\\r\\n$/.exec(line);
    if (header) date = Date.parse(header[1]);
    if (line.startsWith('[')) {
      try {
        bodies.push(JSON.parse(line.replace(/(\\r)?\\n$/, '').replace(/\\r\\n$/, '')));
      } catch {
        // Bodies over the proxy's log limit are cut short; they are not usable.
      }
    }
  }
  return { screen, bodies, date };
}
