import { HttpError } from './errorResponse.js';

/**
 * Parses `since`/`until` of `/events`: Unix seconds as the CLI sends them (`1795356940`,
 * `1795356940.000000000`) or an RFC 3339 date. Absent or empty means unbounded.
 */
export function parseEventTime(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim();
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new HttpError(400, `invalid value for ${name}: ${raw}`);
  return ms / 1000;
}
