import { invalid } from '../errors/index.js';

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Throws Docker's `create NAME: ...` error unless `name` is a valid local volume name. */
export function checkVolumeName(name: string): void {
  if (name.length === 1) throw invalid(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  if (!VALID_NAME.test(name)) {
    throw invalid(
      `create ${name}: ${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}
