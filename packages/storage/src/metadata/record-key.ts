import { invalid } from '@strata/core/errors';

const KEPT = /[A-Za-z0-9_-]/;
const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** NAME_MAX of Linux filesystems, less the `.json` suffix. */
const MAX_ENCODED = 255 - '.json'.length;

/**
 * A record key as a file name, reversibly: `[A-Za-z0-9_-]` and non-leading dots stay, every
 * other byte of its UTF-8 becomes `%XX` (so `/`, `:`, `%` and a leading `.` never reach the
 * filesystem). `docker.io/library/busybox:latest` -> `docker.io%2Flibrary%2Fbusybox%3Alatest`.
 */
export function encodeRecordKey(key: string): string {
  if (key.length === 0) throw invalid('metadata key must not be empty');
  let out = '';
  for (const ch of key) {
    if (KEPT.test(ch) || (ch === '.' && out.length > 0)) out += ch;
    else for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > MAX_ENCODED) throw invalid(`metadata key too long (${out.length} bytes encoded, at most ${MAX_ENCODED}): ${key}`);
  return out;
}

/** Inverse of encodeRecordKey; undefined for a name it could not have produced. */
export function decodeRecordKey(name: string): string | undefined {
  try {
    const key = decodeURIComponent(name);
    return encodeRecordKey(key) === name ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Reject namespaces that are not one plain folder name. */
export function checkNamespace(namespace: string): void {
  if (!NAMESPACE_RE.test(namespace)) throw invalid(`invalid metadata namespace: ${JSON.stringify(namespace)}`);
}
