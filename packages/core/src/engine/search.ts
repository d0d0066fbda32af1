import { StrataError, invalid, unavailable } from '../errors/index.js';
import type { Filters } from './api.js';
import type { EngineContext } from './engine.js';
import type { RegistryAuth } from './registry-port.js';

/** One row of `GET /images/search`, as dockerd answers it (registry.SearchResult). */
export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export interface SearchOptions {
  /** At most this many results, 1 to 100; dockerd's 25 when absent. */
  limit?: number;
  /** `stars`, `is-official`, `is-automated`, as `docker search --filter` sends them. */
  filters?: Filters;
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

/** The search side of the engine. */
export interface ImageSearcher {
  /** `docker search TERM`: repositories of the term's registry whose name contains the term. */
  searchImages(term: string, options?: SearchOptions): Promise<SearchResult[]>;
}

/** True for an engine that can search registries (one built with a registry client). */
export const canSearch = (engine: object): engine is ImageSearcher => typeof (engine as Partial<ImageSearcher>).searchImages === 'function';

const DEFAULT_LIMIT = 25;
const HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * dockerd's splitReposSearchTerm: the part before the first `/` names a registry only when it
 * looks like a host (has `.` or `:`, or is `localhost`); anything else is searched on Docker Hub.
 */
export function splitSearchTerm(term: string): { registry: string | undefined; remote: string } {
  const slash = term.indexOf('/');
  const head = slash < 0 ? '' : term.slice(0, slash);
  if (slash < 0 || (!head.includes('.') && !head.includes(':') && head !== 'localhost')) return { registry: undefined, remote: term };
  return { registry: HUB_NAMES.has(head) ? undefined : head, remote: term.slice(slash + 1) };
}

/** The filters dockerd accepts, checked with its wording; returns a predicate over results. */
function searchFilter(filters: Filters): (r: SearchResult) => boolean {
  for (const key of Object.keys(filters)) {
    if (!['stars', 'is-official', 'is-automated'].includes(key)) throw invalid(`invalid filter '${key}'`);
  }
  const flag = (key: string): boolean | undefined => {
    const values = filters[key] ?? [];
    for (const v of values) if (v !== 'true' && v !== 'false') throw invalid(`invalid filter '${key}=${v}'`);
    return values.length ? values.includes('true') : undefined;
  };
  const official = flag('is-official');
  const automated = flag('is-automated');
  let stars = 0;
  for (const v of filters.stars ?? []) {
    if (!/^-?\d+$/.test(v)) throw invalid(`invalid filter 'stars=${v}'`);
    stars = Math.max(stars, Number(v));
  }
  return (r) =>
    (official === undefined || r.is_official === official) && (automated === undefined || r.is_automated === automated) && r.star_count >= stars;
}

/**
 * Search as dockerd does for a registry that is not Docker Hub, from its `_catalog`: every
 * repository whose name contains the term, with no description or stars (a v2 registry has none).
 * Docker Hub is never contacted: Strata reaches no network but the registries it is pointed at.
 */
export async function searchImages(ctx: EngineContext, term: string, options: SearchOptions = {}): Promise<SearchResult[]> {
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid(`Limit ${limit} is outside the range of [1, 100]`);
  const accept = searchFilter(options.filters ?? {});
  const { registry: host, remote } = splitSearchTerm(term);
  if (host === undefined) {
    throw new StrataError('internal', `Get "https://index.docker.io/v1/search?q=${encodeURIComponent(remote)}&n=${limit}": Strata does not search Docker Hub (it reaches no network but the registries it pulls from)`);
  }
  const registry = ctx.ports.registry;
  if (!registry) throw unavailable('searching registries needs a registry client, and this engine has none');
  const wanted = remote.toLowerCase();
  const names = await registry.catalog(host, { auth: options.auth, signal: options.signal });
  return names
    .filter((name) => name.toLowerCase().includes(wanted))
    .map((name) => ({ name: `${host}/${name}`, description: '', star_count: 0, is_official: false, is_automated: false }))
    .filter(accept)
    .slice(0, limit);
}
