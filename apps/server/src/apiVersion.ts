/** The Docker Engine API version stratad speaks; everything in docs/docker-api-wire.md was recorded at it. */
export const apiVersion = '1.41';

/** The oldest API version stratad accepts, as dockerd 20.10 does. */
export const minApiVersion = '1.12';

const versionPrefix = /^\/v([0-9]+(?:\.[0-9]+)*)(\/.*)?$/;

/** Splits `/v1.41/images/json` into the requested version and the route path (`/images/json`). */
export function splitVersionedPath(pathname: string): { version?: string; path: string } {
  const m = versionPrefix.exec(pathname);
  if (!m) return { path: pathname };
  return { version: m[1], path: m[2] ?? '/' };
}

/** Orders two dotted API versions numerically (`1.9` < `1.12`). */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** dockerd's refusal for a version it cannot serve, or undefined when the version is served. */
export function unsupportedVersionMessage(version: string): string | undefined {
  if (compareApiVersions(version, apiVersion) > 0) {
    return `client version ${version} is too new. Maximum supported API version is ${apiVersion}`;
  }
  if (compareApiVersions(version, minApiVersion) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${minApiVersion}, please upgrade your client to a newer version`;
  }
  return undefined;
}
