import { parseDigest, type Digest } from '../digest/index.js';
import { invalid } from '../errors/index.js';
import { matchName, matchReference } from './grammar.js';
import {
  ERR_NAME_CONTAINS_UPPERCASE,
  ERR_NAME_EMPTY,
  ERR_NAME_TOO_LONG,
  ERR_REFERENCE_INVALID_FORMAT,
  REPOSITORY_NAME_MAX_LENGTH,
  makeReference,
  type Reference,
} from './reference.js';

/** Parse a reference strictly, as written: no default domain, `library/` or tag (reference.Parse). */
export function parseReference(s: string): Reference {
  if (s === '') throw invalid(ERR_NAME_EMPTY);
  const m = matchReference(s);
  if (m === undefined) {
    // Uppercase is the commonest mistake; say so when it is the only one.
    const lower = s.toLowerCase();
    if (lower !== s && matchReference(lower) !== undefined) throw invalid(ERR_NAME_CONTAINS_UPPERCASE);
    throw invalid(ERR_REFERENCE_INVALID_FORMAT);
  }
  const name = matchName(m.name)!;
  if (name.path.length > REPOSITORY_NAME_MAX_LENGTH) throw invalid(ERR_NAME_TOO_LONG);
  const digest: Digest | undefined = m.digest === '' ? undefined : parseDigest(m.digest);
  return makeReference(name.domain, name.path, m.tag || undefined, digest);
}
