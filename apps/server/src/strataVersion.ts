import { readFileSync } from 'node:fs';

/** Strata's version, read from the server package's package.json (one level above src/ and dist/). */
export const strataVersion: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/** The `Server` header value, in dockerd's form (`Docker/20.10.24 (linux)`). */
export const serverHeader = `Strata/${strataVersion} (linux)`;
