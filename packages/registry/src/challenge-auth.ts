import { type RegistryAuth, StrataError } from '@strata/core';
import { type HttpCall, type HttpReply, readBody, send } from './http-exchange.js';
import { errcodeText, registryErrorsOf, statusLine } from './registry-errors.js';
import type { Endpoint } from './transport-rules.js';

/** One challenge of a `WWW-Authenticate` header: `Bearer realm="...",service="...",scope="..."`. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse `WWW-Authenticate` (several challenges, quoted or bare parameter values). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const out: Challenge[] = [];
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < text.length && chars.test(text[i])) i++;
  };
  const token = () => {
    const from = i;
    while (i < text.length && /[^\s,=]/.test(text[i])) i++;
    return text.slice(from, i);
  };
  while (i < text.length) {
    skip(/[\s,]/);
    const name = token();
    if (!name) {
      i++;
      continue;
    }
    skip(/\s/);
    if (text[i] !== '=' || out.length === 0) {
      out.push({ scheme: name.toLowerCase(), params: {} });
      continue;
    }
    i++;
    skip(/\s/);
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        value += text[i] ?? '';
        i++;
      }
      i++;
    } else value = token();
    out[out.length - 1].params[name.toLowerCase()] = value;
  }
  return out;
}

const basic = (auth: RegistryAuth) => `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;

/**
 * Answers registry challenges the way distribution's client does: Basic with the user's
 * credentials, Bearer through the token server named by `realm` (with `service` and `scope`),
 * anonymous when the realm grants tokens without credentials. Headers are cached per
 * endpoint, scope and user, so a pull asks for its token once.
 */
export class ChallengeAuthorizer {
  private readonly cache = new Map<string, { header: string; expires: number }>();
  /** Endpoints that asked for Basic: the header is made from each call's own credentials, never cached. */
  private readonly basicEndpoints = new Set<string>();

  private key(endpoint: Endpoint, scope: string, auth: RegistryAuth | undefined): string {
    return `${endpoint.base}|${scope}|${auth?.username ?? ''}|${auth?.registrytoken ?? ''}|${auth?.identitytoken ?? ''}`;
  }

  /** The Authorization header already earned for this endpoint and scope, if any. */
  cached(endpoint: Endpoint, scope: string, auth: RegistryAuth | undefined): string | undefined {
    if (auth?.registrytoken) return `Bearer ${auth.registrytoken}`;
    if (this.basicEndpoints.has(endpoint.base) && auth?.username) return basic(auth);
    const hit = this.cache.get(this.key(endpoint, scope, auth));
    return hit && hit.expires > Date.now() ? hit.header : undefined;
  }

  /** Earn an Authorization header from a 401 reply; throws Docker's error when no credentials fit. */
  async answer(endpoint: Endpoint, reply: HttpReply, call: HttpCall, scope: string, auth: RegistryAuth | undefined): Promise<string> {
    const challenges = parseChallenges(reply.headers['www-authenticate']);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basicChallenge = challenges.find((c) => c.scheme === 'basic');
    let header: string;
    let ttl = 60_000;
    if (bearer && bearer.params.realm) {
      const token = await this.fetchToken(endpoint, bearer, scope, auth, call.signal);
      header = `Bearer ${token.token}`;
      ttl = Math.max(10, token.expiresIn - 10) * 1000;
    } else if (basicChallenge) {
      if (!auth?.username) throw new StrataError('internal', `${call.method[0]}${call.method.slice(1).toLowerCase()} "${call.url}": no basic auth credentials`);
      this.basicEndpoints.add(endpoint.base);
      return basic(auth);
    } else {
      throw new StrataError('unauthorized', `${call.method[0]}${call.method.slice(1).toLowerCase()} "${call.url}": unsupported authentication challenge: ${String(reply.headers['www-authenticate'] ?? 'none')}`);
    }
    this.cache.set(this.key(endpoint, scope, auth), { header, expires: Date.now() + ttl });
    return header;
  }

  private async fetchToken(
    endpoint: Endpoint,
    challenge: Challenge,
    scope: string,
    auth: RegistryAuth | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ token: string; expiresIn: number }> {
    const realm = new URL(challenge.params.realm);
    const service = challenge.params.service;
    let call: HttpCall;
    if (auth?.identitytoken) {
      // OAuth2 refresh-token grant (what `docker login` to Hub leaves behind).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.identitytoken, client_id: 'strata', access_type: 'offline' });
      if (service) form.set('service', service);
      // Several scopes (a cross-repository mount's) go as one space-separated value, as OAuth2 says.
      if (scope) form.set('scope', scope);
      call = { method: 'POST', url: realm.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new TextEncoder().encode(form.toString()), signal };
    } else {
      if (service) realm.searchParams.set('service', service);
      // One `scope` parameter per scope, as distribution's token handler sends a mount's two.
      for (const s of scope.split(' ')) if (s) realm.searchParams.append('scope', s);
      if (auth?.username) realm.searchParams.set('account', auth.username);
      call = { method: 'GET', url: realm.toString(), headers: auth?.username ? { Authorization: basic(auth) } : {}, signal };
    }
    const reply = await send(endpoint, call);
    const body = await readBody(reply, 1 << 20, 'token response');
    if (reply.status !== 200) {
      const errors = registryErrorsOf(body);
      const detail = errors.length ? errcodeText(errors) : `unexpected status from ${call.method} request to ${realm.origin}${realm.pathname}: ${statusLine(reply.status)}`;
      throw new StrataError(reply.status === 401 ? 'unauthorized' : 'internal', detail);
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse(new TextDecoder().decode(body)) as typeof doc;
    } catch {
      throw new StrataError('internal', `token response from ${realm.origin}: not JSON`);
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    if (!token) throw new StrataError('internal', `token response from ${realm.origin}: no token in it`);
    return { token, expiresIn: typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60 };
  }
}
