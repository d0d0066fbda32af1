// The docker CLI's floor for one `docker ps -a` answer: a server that answers `_ping` and
// `GET /containers/json` with a body captured from an engine, byte for byte, and does nothing
// else. Timed like the engines, it shows how much of an engine's figure is the CLI (its start, and
// decoding and printing that body), and whether one engine's bytes cost the CLI more than another's.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CleanupStack } from './cleanupStack.js';
import type { BenchEngine, EngineName } from './engines.js';

const API_VERSION = '1.41';

/** What an engine answered to `GET /containers/json?all=1`. */
export interface CapturedListing {
  /** Which engine sent it. */
  from: EngineName;
  body: Buffer;
}

/** Size and shape of a captured listing, as one line for the report. */
export function describeListing(listing: CapturedListing): string {
  const rows = JSON.parse(listing.body.toString('utf8')) as Array<Record<string, unknown>>;
  const perRow = rows.length ? Math.round(listing.body.byteLength / rows.length) : 0;
  const keys = rows[0] ? Object.keys(rows[0]).join(',') : '';
  return `${listing.from}: ${listing.body.byteLength} bytes, ${rows.length} containers, ${perRow} bytes each; fields ${keys}`;
}

/**
 * Serves `listing` on a unix socket in a temp dir of its own: `HEAD|GET /_ping` and
 * `GET /containers/json` (whatever the query: the body is fixed), with Content-Length, as dockerd does.
 */
export async function startListingReplay(cleanups: CleanupStack, listing: CapturedListing): Promise<BenchEngine> {
  const dir = await mkdtemp(join(tmpdir(), `strata-bench-replay-${listing.from}-`));
  const cliConfig = join(dir, 'cli');
  await mkdir(cliConfig);
  const socket = join(dir, 'replay.sock');
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://replay').pathname.replace(/^\/v[0-9.]+/, '');
    if (path === '/_ping') {
      res.writeHead(200, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': req.method === 'HEAD' ? 0 : 2 });
      return res.end(req.method === 'HEAD' ? undefined : 'OK');
    }
    if (path === '/containers/json' && req.method === 'GET') {
      res.writeHead(200, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': 'application/json', 'Content-Length': listing.body.byteLength });
      return res.end(listing.body);
    }
    const message = JSON.stringify({ message: `the replay server does not serve ${req.method} ${path}` });
    res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(message) });
    res.end(message);
  };
  const server = createServer(handle);
  const close = cleanups.push(`replay of ${listing.from}'s listing`, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return { name: 'replay', host: `unix://${socket}`, env: { DOCKER_CONFIG: cliConfig }, scratch: dir, filesystem: tmpdir(), stop: close };
}

/** Writes each captured body to `<dir>/containers-<engine>.json` (BENCH_PS_CAPTURE), for comparing them by hand. */
export async function saveListings(dir: string, listings: CapturedListing[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const l of listings) await writeFile(join(dir, `containers-${l.from}.json`), l.body);
}
