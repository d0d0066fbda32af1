import { invalid, notFound } from '@strata/core';

/** A platform as indexes describe it; `variant` is '' when it has none. */
export interface Platform {
  os: string;
  architecture: string;
  variant: string;
}

const archAliases: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  x86: { architecture: '386' },
  i386: { architecture: '386' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
};

/** containerd's normalisation (image-format.md §5 step 1): aliases, default variants, lower-case OS. */
export function normalizePlatform(p: { os: string; architecture: string; variant?: string }): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant ?? '';
  const alias = archAliases[architecture];
  if (alias) {
    architecture = alias.architecture;
    if (alias.variant) variant = alias.variant;
  }
  if (architecture === 'amd64' && (variant === 'v1' || variant === '1')) variant = '';
  if (architecture === 'arm64' && (variant === '' || variant === '8' || variant === 'v8.0')) variant = 'v8';
  if (architecture === 'arm' && variant === '') variant = 'v7';
  if (architecture === 'arm' && /^\d$/.test(variant)) variant = `v${variant}`;
  return { os, architecture, variant };
}

/** Parse `--platform` (`linux/arm64`, `linux/arm/v7`, `amd64`); the OS defaults to linux. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.split('/');
  if (parts.length > 3 || parts.some((s) => !/^[A-Za-z0-9_.-]+$/.test(s))) throw invalid(`"${spec}": unknown operating system or architecture: invalid argument`);
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0] });
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

/** `os/arch[/variant]` as Docker prints a platform. */
export const formatPlatform = (p: Platform): string => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

const nodeArch: Record<string, { architecture: string; variant?: string }> = {
  x64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8' },
  arm: { architecture: 'arm', variant: 'v7' },
  ia32: { architecture: '386' },
  ppc64: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
};

/** The platform this process runs on, as Docker names it. */
export function hostPlatform(): Platform {
  const a = nodeArch[process.arch] ?? { architecture: process.arch };
  return normalizePlatform({ os: process.platform === 'win32' ? 'windows' : process.platform, ...a });
}

/** The platforms a host of `want` can run, best first (image-format.md §5 step 2). */
export function compatiblePlatforms(want: Platform): Platform[] {
  const out: Platform[] = [want];
  const add = (architecture: string, variant: string) => out.push({ os: want.os, architecture, variant });
  if (want.architecture === 'amd64') {
    const n = /^v(\d)$/.exec(want.variant)?.[1];
    for (let v = Number(n ?? 1) - 1; v >= 1; v--) add('amd64', v === 1 ? '' : `v${v}`);
    add('386', '');
  } else if (want.architecture === 'arm64') {
    const minor = /^v8\.(\d+)$/.exec(want.variant)?.[1];
    for (let m = Number(minor ?? 0) - 1; m >= 0; m--) add('arm64', m === 0 ? 'v8' : `v8.${m}`);
    for (const v of ['v8', 'v7', 'v6', 'v5']) add('arm', v);
  } else if (want.architecture === 'arm') {
    const n = Number(/^v(\d)$/.exec(want.variant)?.[1] ?? 7);
    for (let v = n - 1; v >= 5; v--) add('arm', `v${v}`);
  }
  return out;
}

const samePlatform = (a: Platform, b: Platform) => a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;

/**
 * Pick the best entry of an index for `want`: the most preferred compatible platform, the first
 * entry among equals; `unknown/unknown` (attestations) never matches. Throws Docker's error.
 */
export function selectPlatform<T extends { platform?: { os: string; architecture: string; variant?: string } }>(entries: readonly T[], want: Platform): T {
  const order = compatiblePlatforms(want);
  let best: { entry: T; rank: number } | undefined;
  for (const entry of entries) {
    if (!entry.platform || entry.platform.os === 'unknown') continue;
    const p = normalizePlatform(entry.platform);
    const rank = order.findIndex((o) => samePlatform(o, p));
    if (rank >= 0 && (!best || rank < best.rank)) best = { entry, rank };
  }
  if (!best) throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  return best.entry;
}
