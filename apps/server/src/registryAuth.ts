import type { RegistryAuth } from '@strata/core';

/**
 * The credentials in `X-Registry-Auth` (base64url JSON, `e30=` = `{}` when the CLI has none).
 * A header that does not decode counts as anonymous, as dockerd treats it.
 */
export function registryAuthOf(header: string | undefined): RegistryAuth {
  if (!header) return {};
  try {
    const doc = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as Record<string, unknown>;
    const auth: RegistryAuth = {};
    for (const key of ['username', 'password', 'identitytoken', 'registrytoken', 'serveraddress'] as const) {
      if (typeof doc[key] === 'string' && doc[key] !== '') auth[key] = doc[key] as string;
    }
    return auth;
  } catch {
    return {};
  }
}
