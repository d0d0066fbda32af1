// The ceiling: a server that speaks just enough of the Docker API for the benchmark's docker CLI
// commands and does no work of its own. `load` reads the body and drops it, `save` streams the
// archive file as it is, `images` answers from memory. Measured exactly like the engines (same
// CLI, same commands, same checks, a fresh loop ext4 of its own for `save -o`), it shows how much
// of each figure is the CLI, the socket and the filesystem: no engine can beat it.
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BenchArchive } from './workload.js';

const API_VERSION = '1.41';

/** What `GET /images/json` lists: one summary per image, as dockerd sends it. */
function summaries(archive: BenchArchive, created: number): object[] {
  return archive.imageIds.map((id, i) => ({
    Containers: -1,
    Created: created,
    Id: id,
    Labels: null,
    ParentId: '',
    RepoDigests: [],
    RepoTags: [archive.repoTags[i]],
    SharedSize: -1,
    Size: 1000,
    VirtualSize: 1000,
  }));
}

/** The tags a `reference` filter of `GET /images/json` asks for, if it has one. */
function referenceFilter(url: URL): string[] | undefined {
  const raw = url.searchParams.get('filters');
  if (!raw) return undefined;
  const filters = JSON.parse(raw) as Record<string, Record<string, boolean> | string[]>;
  const ref = filters.reference;
  if (!ref) return undefined;
  return Array.isArray(ref) ? ref : Object.keys(ref);
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A ceiling server for `big` (loaded and saved) and `small` (listed). Listen on a socket yourself. */
export function createCeilingServer(big: BenchArchive, small: BenchArchive): Server {
  const created = Math.floor(Date.parse('2024-01-01T00:00:00Z') / 1000);
  const listed = summaries(small, created);
  const all = [...listed, ...summaries(big, created)];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://ceiling');
    const path = url.pathname.replace(/^\/v[0-9.]+/, '');
    if (path === '/_ping') {
      res.writeHead(200, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': req.method === 'HEAD' ? 0 : 2 });
      return res.end(req.method === 'HEAD' ? undefined : 'OK');
    }
    if (path === '/version') return send(res, 200, JSON.stringify({ Version: 'ceiling (does no work)', ApiVersion: API_VERSION, Os: 'linux' }));
    if (path === '/images/json') {
      const wanted = referenceFilter(url);
      return send(res, 200, JSON.stringify(wanted ? all.filter((s) => wanted.includes((s as { RepoTags: string[] }).RepoTags[0]!)) : listed));
    }
    if (path === '/images/load' && req.method === 'POST') {
      // Every byte is read (the CLI's send is what is measured), none is kept.
      let received = 0;
      req.on('data', (chunk: Buffer) => (received += chunk.byteLength));
      req.once('end', () => {
        const tags = received === small.bytes ? small.repoTags : big.repoTags;
        send(res, 200, tags.map((t) => JSON.stringify({ stream: `Loaded image: ${t}\n` })).join('\r\n'));
      });
      return;
    }
    if (path === '/images/get') {
      res.writeHead(200, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': 'application/x-tar' });
      createReadStream(big.path, { highWaterMark: 1 << 20 }).pipe(res);
      return;
    }
    if (req.method === 'DELETE' && path.startsWith('/images/')) {
      return send(res, 200, JSON.stringify([{ Untagged: decodeURIComponent(path.slice('/images/'.length)) }]));
    }
    send(res, 404, JSON.stringify({ message: `the ceiling server does not serve ${req.method} ${path}` }));
  };
  return createServer({ requestTimeout: 0 }, handle);
}
