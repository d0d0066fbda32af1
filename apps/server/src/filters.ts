import type { Filters } from '@strata/core';
import { HttpError } from './errorResponse.js';

/**
 * Parses the `filters` query parameter: the CLI sends `{"key":{"value":true}}`, older clients
 * `{"key":["value"]}`; both become `{key: ["value"]}`. Absent or empty means no filters.
 */
export function parseFilters(raw: string | undefined): Filters {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new HttpError(400, `invalid filter: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, `invalid filter: ${raw}`);
  }
  const filters: Filters = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      filters[key] = value.map((v) => String(v));
    } else if (value !== null && typeof value === 'object') {
      filters[key] = Object.entries(value as Record<string, unknown>)
        .filter(([, on]) => on === true)
        .map(([v]) => v);
    } else {
      throw new HttpError(400, `invalid filter '${key}': expected a set of values`);
    }
  }
  return filters;
}
