// Test support: request lines and JSON bodies out of the docker-api captures (real dockerd traffic).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of ../shared/fixtures (the workspace's sibling folder). */
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures');

/** The text of `docker-api-captures/NAME.txt`. */
export const readCapture = (name: string): string =>
  readFileSync(join(fixturesDir, 'docker-api-captures', `${name}.txt`), 'latin1');

/** The wire log's lines with the `\r\n` / `\n` notation removed. */
const wireLines = (name: string): string[] =>
  readCapture(name)
    .split('## wire log')[1]
    .split('\n')
    .map((l) => l.replace(/(\\r\\n|\\n)$/, ''));

/** Request lines (`GET /v1.41/images/json HTTP/1.1` -> `GET /v1.41/images/json`), ping excluded. */
export function capturedRequests(name: string): string[] {
  return wireLines(name)
    .filter((l) => /^(GET|HEAD|POST|PUT|DELETE) \//.test(l) && !l.includes('/_ping'))
    .map((l) => l.replace(/ HTTP\/1\.1$/, ''));
}

/** Every whole JSON value logged on one line in the capture, in order (bodies and stream messages). */
export function capturedJson(name: string): unknown[] {
  const values: unknown[] = [];
  for (const l of wireLines(name)) {
    if (!l.startsWith('{') && !l.startsWith('[')) continue;
    try {
      values.push(JSON.parse(l));
    } catch {
      // a body split over two reads, or tar bytes that happen to start with a brace
    }
  }
  return values;
}

/** The headers of the first response whose status line matches `status` (names lowercased). */
export function capturedResponseHeaders(name: string, status: RegExp): Record<string, string> {
  const lines = wireLines(name);
  const start = lines.findIndex((l) => l.startsWith('HTTP/1.1 ') && status.test(l));
  const headers: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    const m = /^([A-Za-z-]+): (.*)$/.exec(l);
    if (!m) break;
    headers[m[1].toLowerCase()] = m[2];
  }
  return headers;
}

/** What the user saw: the CLI output lines after the `$ docker ...` line, without `[exit=N]`. */
export function capturedOutput(name: string): string[] {
  const seen = readCapture(name).split('## what the user saw')[1].split('## wire log')[0].split('\n');
  const start = seen.findIndex((l) => l.startsWith('$ '));
  const end = seen.findIndex((l) => /^\[exit=\d+\]$/.test(l));
  return seen.slice(start + 1, end);
}
