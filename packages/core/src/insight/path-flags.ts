/** Why a path deserves a look before the image ships. */
export type PathFlag = 'secret' | 'cache';

const secretNames = new Set([
  '.env',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  '.netrc',
  '.git-credentials',
  '.pypirc',
  '.dockercfg',
  'credentials',
  'credentials.json',
  'service-account.json',
  '.htpasswd',
]);
const secretSuffixSet = new Set(['.pem', '.key', '.p12', '.pfx', '.jks', '.keystore']);
/** Public CA bundles end in `.pem` too; they are not secrets. */
const publicCertificateDirs = ['etc/ssl/certs/', 'usr/share/ca-certificates/', 'usr/local/share/ca-certificates/', 'etc/pki/ca-trust/', 'etc/ca-certificates/'];
const publicCertificateNames = new Set(['cacert.pem', 'ca-bundle.pem', 'ca-certificates.pem']);

/**
 * Package-manager download caches: they help the build that filled them and nothing that runs
 * the image. Prefixes are relative to the image root, with a trailing slash.
 */
const cacheRoots = [
  'var/cache/apt/',
  'var/lib/apt/lists/',
  'var/cache/apk/',
  'var/cache/yum/',
  'var/cache/dnf/',
  'var/cache/zypp/',
  'root/.cache/',
  'root/.npm/',
  'root/.yarn/',
  'usr/local/share/.cache/',
  'root/.m2/repository/',
  'root/.gradle/caches/',
  'root/.cargo/registry/',
  'go/pkg/mod/cache/',
];
const homeCaches = ['/.cache/pip/', '/.npm/_cacache/', '/.cache/go-build/', '/.cache/yarn/'];
/** Any of cacheRoots with something below it. */
const cacheRootPattern = new RegExp(`^(${cacheRoots.map((r) => r.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=.)`);

/** The cache directory a path lives in (`var/cache/apt/`), if any. */
export function cacheRootOf(path: string): string | undefined {
  // One native match settles most paths, with no string built.
  const root = cacheRootPattern.exec(path)?.[1];
  if (root) return root;
  if (!path.includes('/.')) return undefined;
  const p = `${path}/`;
  for (const c of homeCaches) {
    const at = p.indexOf(c);
    if (at > 0 && p.length > at + c.length) return p.slice(0, at + c.length).replace(/^\//, '');
  }
  return undefined;
}

/** True for file names that usually hold credentials or private keys (`.env`, `id_rsa`, `*.pem`, ...). */
export function looksSecret(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (secretNames.has(base)) return true;
  if (base.startsWith('.env.') && !base.endsWith('.example') && !base.endsWith('.sample')) return true;
  if (path.endsWith('.docker/config.json') || path.endsWith('.aws/credentials') || path.endsWith('.kube/config')) return true;
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || !secretSuffixSet.has(base.slice(dot))) return false;
  return !publicCertificateNames.has(base) && !publicCertificateDirs.some((d) => path.startsWith(d));
}

/** The flag of a regular file's path, if any (secrets win over caches). */
export function flagOf(path: string): PathFlag | undefined {
  if (looksSecret(path)) return 'secret';
  if (cacheRootOf(path)) return 'cache';
  return undefined;
}
