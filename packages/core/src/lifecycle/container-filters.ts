import { invalid } from '../errors/index.js';
import type { ContainerRecord } from './container-record.js';
import { CONTAINER_STATUSES, type ContainerStatus, isRunning } from './container-state.js';
import { networkNameOf } from './container-inspect.js';

/** Docker filter map (`{"status":["exited"],"label":["a=b"]}`). */
export type PsFilters = Record<string, string[]>;

const KEYS = ['status', 'name', 'label', 'ancestor', 'id', 'exited', 'before', 'since', 'network', 'health', 'is-task', 'volume', 'publish', 'expose', 'isolation'];

/** What the engine resolved for the filters that name other objects. */
export interface PsFilterContext {
  /** `before=` / `since=`: the container named. */
  before?: ContainerRecord;
  since?: ContainerRecord;
  /** `ancestor=`: IDs of the images named. */
  ancestorImageIds?: Set<string>;
}

/** Check keys and values as dockerd does; returns whether the filters imply `all` (a `status` filter does). */
export function checkPsFilters(filters: PsFilters): { impliesAll: boolean } {
  for (const k of Object.keys(filters)) if (!KEYS.includes(k)) throw invalid(`invalid filter '${k}'`);
  for (const v of filters.status ?? []) if (!CONTAINER_STATUSES.includes(v as ContainerStatus)) throw invalid(`invalid filter 'status=${v}'`);
  for (const v of filters.exited ?? []) if (!/^-?\d+$/.test(v)) throw invalid(`invalid filter 'exited=${v}'`);
  for (const v of [...(filters.name ?? []), ...(filters.id ?? [])]) {
    try {
      new RegExp(v);
    } catch {
      throw invalid(`invalid filter '${v}'`);
    }
  }
  return { impliesAll: (filters.status ?? []).length > 0 };
}

/** moby's Args.Match: equal, or a regular expression that matches somewhere. */
const matchesAny = (values: string[] | undefined, source: string): boolean =>
  !values?.length || values.some((v) => v === source || new RegExp(v).test(source));

function labelsMatch(values: string[] | undefined, labels: Record<string, string>): boolean {
  return (values ?? []).every((spec) => {
    const i = spec.indexOf('=');
    return i < 0 ? spec in labels : labels[spec.slice(0, i)] === spec.slice(i + 1);
  });
}

/** Whether a container passes `docker ps --filter ...` (values of a key OR-ed, keys AND-ed). */
export function matchesPsFilters(r: ContainerRecord, filters: PsFilters, ctx: PsFilterContext = {}): boolean {
  if (filters.status?.length && !filters.status.includes(r.state.status)) return false;
  if (!matchesAny(filters.name, r.name)) return false;
  if (!matchesAny(filters.id, r.id)) return false;
  if (!labelsMatch(filters.label, r.config.Labels)) return false;
  if (filters.exited?.length) {
    const exited = !isRunning(r.state) && r.state.status !== 'created' && r.state.status !== 'restarting';
    if (!exited || !filters.exited.some((v) => Number(v) === r.state.exitCode)) return false;
  }
  if (filters.ancestor?.length && !ctx.ancestorImageIds?.has(r.image)) return false;
  if (ctx.before && (r.id === ctx.before.id || Date.parse(r.created) >= Date.parse(ctx.before.created))) return false;
  if (ctx.since && (r.id === ctx.since.id || Date.parse(r.created) <= Date.parse(ctx.since.created))) return false;
  if (filters.network?.length && !filters.network.includes(networkNameOf(r.hostConfig.NetworkMode))) return false;
  if (filters.health?.length && !filters.health.includes('none')) return false;
  if (filters['is-task']?.length && !filters['is-task'].includes('false')) return false;
  if (filters.volume?.length || filters.publish?.length || filters.expose?.length) return false;
  return true;
}
