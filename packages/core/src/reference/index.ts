// Image references: the distribution grammar, Docker's normalisation and familiar forms.
export {
  type Reference,
  REPOSITORY_NAME_MAX_LENGTH,
  ERR_REFERENCE_INVALID_FORMAT,
  ERR_TAG_INVALID_FORMAT,
  ERR_DIGEST_INVALID_FORMAT,
  ERR_NAME_CONTAINS_UPPERCASE,
  ERR_NAME_EMPTY,
  ERR_NAME_TOO_LONG,
  ERR_NAME_NOT_CANONICAL,
  isValidTag,
  referenceName,
  referenceString,
  parseName,
  withTag,
  withDigest,
  trimReference,
  isNameOnly,
} from './reference.js';
export { parseReference } from './parse.js';
export {
  type AnyReference,
  DEFAULT_DOMAIN,
  LEGACY_DEFAULT_DOMAIN,
  OFFICIAL_REPO_PREFIX,
  DEFAULT_TAG,
  splitDockerDomain,
  parseNormalizedNamed,
  parseDockerRef,
  parseNamed,
  parseAnyReference,
  tagNameOnly,
} from './normalize.js';
export { familiarize, familiarName, familiarString } from './familiar.js';
export { familiarMatch } from './match.js';
export { shellPatternMatch } from './shell-pattern.js';
