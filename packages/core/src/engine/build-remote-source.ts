import { invalid, unavailable } from '../errors/index.js';
import { FsTree } from '../build/fs-tree.js';
import type { HttpFetch } from './ports.js';

// `ADD <url>` as the classic builder does it (builder/dockerfile/copy.go downloadSource): the
// file is named after the URL's last path segment (else Content-Disposition), written 0600,
// dated by Last-Modified (else the epoch), never unpacked, and its hash covers its content only.

/** A downloaded ADD source: a one-file tree and the file's path in it. */
export interface RemoteSource {
  tree: FsTree;
  path: string;
}

/** Whether an ADD source names a remote file (`http://` or `https://`), as urlutil.IsURL says. */
export const isRemoteUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** Downloads `url` with `http`; a status of 400 or more fails with Docker's `failed to GET` message. */
export async function fetchRemoteSource(http: HttpFetch | undefined, url: string): Promise<RemoteSource> {
  if (!http) throw unavailable(`ADD ${url}: this engine has no HTTP access`);
  let response: Response;
  try {
    response = await http(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw invalid(`Get "${url}": ${cause}`);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.status >= 400) {
    const text = new TextDecoder().decode(body).trim();
    throw invalid(`failed to GET ${url} with status ${response.status} ${response.statusText || statusText(response.status)}: ${text}`);
  }
  const name = fileNameFor(url, response.headers.get('content-disposition'));
  if (name === '') throw invalid(`cannot determine a file name for ${url}: give its path a name or send Content-Disposition`);
  const modified = response.headers.get('last-modified');
  const parsed = modified ? Date.parse(modified) : NaN;
  const tree = new FsTree();
  tree.set(name, {
    type: 'file',
    mode: 0o600,
    uid: 0,
    gid: 0,
    size: body.byteLength,
    mtime: Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000),
    linkname: '',
    devmajor: 0,
    devminor: 0,
    pax: {},
    body,
  });
  return { tree, path: name };
}

function fileNameFor(url: string, disposition: string | null): string {
  const path = new URL(url).pathname;
  if (path !== '' && !path.endsWith('/')) {
    const base = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
    if (base !== '' && base !== '.' && base !== '..') return base;
  }
  const m = disposition ? /filename\s*=\s*"?([^";]+)"?/i.exec(disposition) : null;
  if (m && !m[1].endsWith('/')) {
    const base = m[1].slice(m[1].lastIndexOf('/') + 1);
    if (base !== '' && base !== '.' && base !== '..') return base;
  }
  return '';
}

function statusText(status: number): string {
  const texts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };
  return texts[status] ?? '';
}
