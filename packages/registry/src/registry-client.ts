import { createHash } from 'node:crypto';
import {
  type BlobFetchOptions,
  type Descriptor,
  type Digest,
  type Manifest,
  MediaType,
  type Reference,
  type Registry,
  type RegistryAuth,
  type ResolveOptions,
  type ResolvedManifest,
  StrataError,
  familiarName,
  familiarString,
  indexSchema,
  invalid,
  manifestSchema,
  notFound,
  parseUntrustedJson,
  validate,
} from '@strata/core';
import { ChallengeAuthorizer } from './challenge-auth.js';
import { type HttpCall, type HttpReply, discard, isTransportError, readBody, send } from './http-exchange.js';
import { hostPlatform, parsePlatform, selectPlatform } from './platform.js';
import { errcodeText, registryErrorsOf, statusLine } from './registry-errors.js';
import { type Endpoint, type TransportOptions, endpointsFor } from './transport-rules.js';
import { verifiedBlobStream } from './verified-blob-stream.js';

/** Docker refuses manifests larger than this (maxManifestBodySize). */
export const MANIFEST_LIMIT = 4 << 20;

/** Every manifest kind Strata reads, as the Accept header lists them. */
const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(', ');

/** A manifest fetched by tag or digest: its bytes, digest and media type. */
export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Uint8Array;
}

export interface RegistryClientOptions extends TransportOptions {
  /** How many times a blob download that drops mid-way is resumed (Range) before the pull fails; 3 by default. */
  blobRetries?: number;
}

const sha256 = (bytes: Uint8Array): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** JSON's first byte can only be one of these (after whitespace). */
const JSON_START = new Set('{["-0123456789tfn');

/** A manifest's JSON; a body that is not JSON at all (an HTML error page) fails in Go's words, as dockerd's decoder says it. */
function parseManifestJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if (text.length > 0 && !JSON_START.has(text[0])) throw invalid(`invalid character '${text[0]}' looking for beginning of value`);
  return parseUntrustedJson(bytes, 'manifest');
}

/** Why a reply failed, in the registry's own words (errcode) or as an HTTP status. */
async function replyError(reply: HttpReply): Promise<{ text: string; codes: string[] }> {
  const body = reply.body.readableEnded ? new Uint8Array() : await readBody(reply, 1 << 20, 'error response').catch(() => new Uint8Array());
  const errors = registryErrorsOf(body);
  if (errors.length) return { text: errcodeText(errors), codes: errors.map((e) => e.code) };
  return { text: `received unexpected HTTP status: ${statusLine(reply.status)}`, codes: [] };
}

/**
 * The OCI distribution API client behind core's `Registry` port: manifests by tag or digest
 * (an index resolved to one platform), blobs streamed and verified, credentials as each
 * registry asks for them, HTTPS or plain HTTP by Docker's transport rules, mirrors for Hub.
 */
export class RegistryClient implements Registry {
  private readonly authorizer = new ChallengeAuthorizer();
  /** The endpoint that last answered for a repository, so its blobs come from the same place. */
  private readonly endpointOfRepo = new Map<string, Endpoint>();

  constructor(private readonly options: RegistryClientOptions = {}) {}

  private endpoints(ref: Reference): Endpoint[] {
    const all = endpointsFor(ref.domain, this.options);
    const preferred = this.endpointOfRepo.get(familiarName(ref));
    return preferred ? [preferred, ...all.filter((e) => e.base !== preferred.base)] : all;
  }

  /** Endpoints answered by the `/v2/` ping, keyed by base; a transport failure forgets one. */
  private readonly pings = new Map<string, Promise<void>>();

  /**
   * dockerd pings `/v2/` before it talks to an endpoint: any HTTP answer (401 included) means the
   * endpoint speaks the protocol; only a transport failure (refused, TLS) counts against it.
   */
  private ping(endpoint: Endpoint): Promise<void> {
    let answered = this.pings.get(endpoint.base);
    if (!answered) {
      answered = send(endpoint, { method: 'GET', url: `${endpoint.base}/v2/` }).then(discard);
      this.pings.set(endpoint.base, answered);
      answered.catch(() => this.pings.delete(endpoint.base));
    }
    return answered;
  }

  /** An endpoint that fails falls through to the next when it is a mirror, or HTTPS to an insecure registry that did not answer. */
  private fallsThrough(endpoint: Endpoint, error: unknown): boolean {
    if (isTransportError(error)) this.pings.delete(endpoint.base);
    return endpoint.mirror || (endpoint.skipVerify === true && isTransportError(error));
  }

  /** Runs `attempt` on each endpoint in order (each pinged first); a mirror's failure falls through to the next. */
  private async onEndpoints<T>(ref: Reference, attempt: (e: Endpoint) => Promise<T>): Promise<T> {
    const endpoints = this.endpoints(ref);
    let lastError: unknown;
    for (const [i, endpoint] of endpoints.entries()) {
      try {
        await this.ping(endpoint);
        const result = await attempt(endpoint);
        this.endpointOfRepo.set(familiarName(ref), endpoint);
        return result;
      } catch (e) {
        lastError = e;
        if (!this.fallsThrough(endpoint, e) || i === endpoints.length - 1) throw e;
      }
    }
    throw lastError;
  }

  /** The endpoint pushes, logins and catalogs go to: the registry itself (never a mirror), HTTPS first when insecure. */
  private async directEndpoint(host: string): Promise<Endpoint> {
    const all = endpointsFor(host, { ...this.options, registryMirrors: [] }).filter((e) => !e.mirror);
    for (const [i, endpoint] of all.entries()) {
      try {
        await this.ping(endpoint);
        return endpoint;
      } catch (e) {
        if (!this.fallsThrough(endpoint, e) || i === all.length - 1) throw e;
      }
    }
    throw new StrataError('internal', `no endpoint for ${host}`);
  }

  /**
   * One request to `endpoint` with credentials for `scope` (`repository:NAME:pull`): answers a
   * 401 challenge once and follows redirects (dropping credentials when the host changes).
   */
  async request(endpoint: Endpoint, call: HttpCall, scope: string, auth: RegistryAuth | undefined): Promise<HttpReply> {
    let current = call;
    let challenged = false;
    for (let hops = 0; hops < 6; hops++) {
      const sameHost = new URL(current.url).origin === endpoint.base;
      const authorization = sameHost ? this.authorizer.cached(endpoint, scope, auth) : undefined;
      const headers = { ...current.headers, ...(authorization ? { Authorization: authorization } : {}) };
      const reply = await send(endpoint, { ...current, headers });
      if (reply.status === 401 && sameHost && !challenged) {
        challenged = true;
        discard(reply);
        await this.authorizer.answer(endpoint, reply, current, scope, auth);
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(reply.status) && reply.headers.location) {
        discard(reply);
        const next = new URL(reply.headers.location, current.url).toString();
        current = { ...current, url: next, method: reply.status === 303 ? 'GET' : current.method };
        continue;
      }
      return reply;
    }
    throw new StrataError('internal', `${call.method} "${call.url}": stopped after 5 redirects`);
  }

  private repoUrl(endpoint: Endpoint, ref: Reference, tail: string): string {
    return `${endpoint.base}/v2/${ref.path}/${tail}`;
  }

  /** Fetch a manifest by tag or digest from one endpoint, verifying a digest reference. */
  private async fetchManifestFrom(endpoint: Endpoint, ref: Reference, tagOrDigest: string, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<FetchedManifest> {
    const call: HttpCall = { method: 'GET', url: this.repoUrl(endpoint, ref, `manifests/${tagOrDigest}`), headers: { Accept: MANIFEST_ACCEPT }, signal };
    const reply = await this.request(endpoint, call, `repository:${ref.path}:pull`, auth);
    if (reply.status !== 200) throw await this.pullError(reply, ref, call);
    const bytes = await readBody(reply, MANIFEST_LIMIT, 'manifest');
    const digest = sha256(bytes);
    if (tagOrDigest.includes(':') && digest !== tagOrDigest) throw invalid(`manifest verification failed for digest ${tagOrDigest}`);
    const contentType = String(reply.headers['content-type'] ?? '').split(';')[0].trim();
    return { digest, mediaType: contentType, bytes };
  }

  /** Docker's translation of a failed pull request (TranslatePullError): not-found errors name the reference. */
  private async pullError(reply: HttpReply, ref: Reference, call: HttpCall): Promise<StrataError> {
    const { text, codes } = await replyError(reply);
    if (codes[0] === 'MANIFEST_UNKNOWN' || (reply.status === 404 && codes.length === 0 && call.url.includes('/manifests/'))) {
      return notFound(`manifest for ${familiarString(ref)} not found: ${codes.length ? text : 'manifest unknown: manifest unknown'}`);
    }
    if (codes[0] === 'NAME_UNKNOWN') return notFound(`repository ${familiarName(ref)} not found: ${text}`);
    if (codes[0] === 'DENIED') return notFound(`pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${text}`);
    if (codes[0] === 'BLOB_UNKNOWN') return notFound(text);
    const op = call.method[0] + call.method.slice(1).toLowerCase();
    return new StrataError('internal', `${op} "${call.url}": ${text}`);
  }

  /** A manifest as the registry stores it (tag or digest), with Docker's errors. */
  fetchManifest(ref: Reference, tagOrDigest: string, auth?: RegistryAuth, signal?: AbortSignal): Promise<FetchedManifest> {
    return this.onEndpoints(ref, (endpoint) => this.fetchManifestFrom(endpoint, ref, tagOrDigest, auth, signal));
  }

  async resolve(ref: Reference, options: ResolveOptions = {}): Promise<ResolvedManifest> {
    const tagOrDigest = ref.digest ?? ref.tag ?? 'latest';
    const want = options.platform ? parsePlatform(options.platform) : hostPlatform();
    return this.onEndpoints(ref, async (endpoint) => {
      const top = await this.fetchManifestFrom(endpoint, ref, tagOrDigest, options.auth, options.signal);
      let current = top;
      let size = top.bytes.byteLength;
      for (let depth = 0; depth < 4; depth++) {
        const doc = parseManifestJson(current.bytes) as { schemaVersion?: unknown; manifests?: unknown; mediaType?: unknown };
        if (doc?.schemaVersion === 1) throw invalid(`unsupported manifest format: schema 1 (${familiarString(ref)}); push the image again with a current client`);
        if (Array.isArray(doc?.manifests)) {
          const index = validate(indexSchema, doc, 'manifest list');
          const picked = selectPlatform(index.manifests, want);
          const next = await this.fetchManifestFrom(endpoint, ref, picked.digest, options.auth, options.signal);
          if (next.bytes.byteLength !== picked.size) throw invalid(`manifest verification failed for digest ${picked.digest}`);
          current = next;
          size = picked.size;
          continue;
        }
        const manifest: Manifest = validate(manifestSchema, doc, 'manifest');
        const mediaType = manifest.mediaType ?? (current.mediaType || MediaType.ociManifest);
        return { digest: top.digest, descriptor: { mediaType, digest: current.digest, size }, bytes: current.bytes, manifest };
      }
      throw invalid(`manifest for ${familiarString(ref)}: index nesting too deep`);
    });
  }

  async fetchBlob(ref: Reference, descriptor: Descriptor, options: BlobFetchOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return this.onEndpoints(ref, async (endpoint) => {
      const scope = `repository:${ref.path}:pull`;
      const open = async (offset: number) => {
        const call: HttpCall = {
          method: 'GET',
          url: this.repoUrl(endpoint, ref, `blobs/${descriptor.digest}`),
          headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
          signal: options.signal,
        };
        const reply = await this.request(endpoint, call, scope, options.auth);
        if (reply.status !== 200 && reply.status !== 206) throw await this.pullError(reply, ref, call);
        return reply;
      };
      // The first response is awaited here, so a missing blob fails the call, not the stream.
      const first = await open(0);
      let used = false;
      return verifiedBlobStream(descriptor, (offset) => (offset === 0 && !used ? ((used = true), Promise.resolve(first)) : open(offset)), {
        retries: this.options.blobRetries,
        onBytes: options.onBytes,
        signal: options.signal,
      });
    });
  }

  async hasBlob(ref: Reference, digest: Digest, options: { auth?: RegistryAuth; signal?: AbortSignal } = {}): Promise<boolean> {
    const endpoint = await this.directEndpoint(ref.domain);
    const head: HttpCall = { method: 'HEAD', url: this.repoUrl(endpoint, ref, `blobs/${digest}`), signal: options.signal };
    const reply = await this.request(endpoint, head, `repository:${ref.path}:pull,push`, options.auth);
    discard(reply);
    if (reply.status === 200) return true;
    if (reply.status === 404) return false;
    throw await this.pullError(reply, ref, head);
  }

  async pushBlob(ref: Reference, descriptor: Descriptor, body: ReadableStream<Uint8Array>, options: BlobFetchOptions = {}): Promise<void> {
    const endpoint = await this.directEndpoint(ref.domain);
    const scope = `repository:${ref.path}:pull,push`;
    const start: HttpCall = { method: 'POST', url: this.repoUrl(endpoint, ref, 'blobs/uploads/'), signal: options.signal };
    const started = await this.request(endpoint, start, scope, options.auth);
    if (started.status !== 202 || !started.headers.location) {
      body.cancel().catch(() => undefined);
      throw await this.pullError(started, ref, start);
    }
    discard(started);
    const url = new URL(started.headers.location, start.url);
    url.searchParams.set('digest', descriptor.digest);
    let sent = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          sent += chunk.byteLength;
          options.onBytes?.(sent);
          c.enqueue(chunk);
        },
      }),
    );
    // One streamed PUT (monolithic upload): the token for this scope is already cached, so no 401 can need a replay of the body.
    const put: HttpCall = { method: 'PUT', url: url.toString(), headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(descriptor.size) }, body: counted, signal: options.signal };
    const done = await this.request(endpoint, put, scope, options.auth);
    if (done.status !== 201) throw await this.pullError(done, ref, put);
    discard(done);
  }

  /** Start an upload session (optionally as a mount); the reply is 201 when mounted, 202 with a Location to upload to. */
  private async startUpload(endpoint: Endpoint, ref: Reference, query: string, options: { auth?: RegistryAuth; signal?: AbortSignal }, scope = `repository:${ref.path}:pull,push`): Promise<HttpReply> {
    const start: HttpCall = { method: 'POST', url: this.repoUrl(endpoint, ref, `blobs/uploads/${query}`), signal: options.signal };
    const reply = await this.request(endpoint, start, scope, options.auth);
    if (reply.status === 201 || (reply.status === 202 && reply.headers.location)) return reply;
    throw await this.pullError(reply, ref, start);
  }

  async uploadBlob(ref: Reference, body: ReadableStream<Uint8Array>, digestOf: () => Digest, options: BlobFetchOptions = {}): Promise<void> {
    const endpoint = await this.directEndpoint(ref.domain);
    const scope = `repository:${ref.path}:pull,push`;
    let started: HttpReply;
    try {
      started = await this.startUpload(endpoint, ref, '', options);
    } catch (e) {
      body.cancel().catch(() => undefined);
      throw e;
    }
    discard(started);
    let sent = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          sent += chunk.byteLength;
          options.onBytes?.(sent);
          c.enqueue(chunk);
        },
      }),
    );
    // One chunked PATCH carries the whole stream (as distribution's blobWriter.ReadFrom), then the PUT commits it by digest.
    const patchUrl = new URL(started.headers.location!, `${endpoint.base}/`).toString();
    const patch: HttpCall = { method: 'PATCH', url: patchUrl, headers: { 'Content-Type': 'application/octet-stream' }, body: counted, signal: options.signal };
    const patched = await this.request(endpoint, patch, scope, options.auth);
    if (patched.status !== 202 && patched.status !== 204) throw await this.pullError(patched, ref, patch);
    discard(patched);
    const commit = new URL(patched.headers.location ?? patchUrl, patchUrl);
    commit.searchParams.set('digest', digestOf());
    const put: HttpCall = { method: 'PUT', url: commit.toString(), signal: options.signal };
    const done = await this.request(endpoint, put, scope, options.auth);
    if (done.status !== 201) throw await this.pullError(done, ref, put);
    discard(done);
  }

  async mountBlob(ref: Reference, digest: Digest, from: string, options: { auth?: RegistryAuth; signal?: AbortSignal } = {}): Promise<boolean> {
    const endpoint = await this.directEndpoint(ref.domain);
    // The token must also grant pull on the source repository, or a token registry declines the mount (Docker asks for both scopes).
    const scope = `repository:${ref.path}:pull,push repository:${from}:pull`;
    const reply = await this.startUpload(endpoint, ref, `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, options, scope);
    discard(reply);
    if (reply.status === 201) return true;
    // Declined: the registry opened an ordinary upload instead, which we do not use; cancel it as distribution's client does.
    const cancel: HttpCall = { method: 'DELETE', url: new URL(reply.headers.location!, `${endpoint.base}/`).toString(), signal: options.signal };
    await this.request(endpoint, cancel, scope, options.auth).then(discard, () => undefined);
    return false;
  }

  pushManifest(ref: Reference, tagOrDigest: string, mediaType: string, bytes: Uint8Array, options: { auth?: RegistryAuth; signal?: AbortSignal } = {}): Promise<Digest> {
    return this.putManifest(ref, tagOrDigest, mediaType, bytes, options.auth);
  }

  async checkLogin(server: string, auth: RegistryAuth): Promise<void> {
    // `docker login` sends `127.0.0.1:5000`, `http://host/`, or Hub's `https://index.docker.io/v1/`.
    const host = /^[a-z]+:\/\//i.test(server) ? new URL(server).host : server.replace(/\/.*$/, '');
    const endpoint = await this.directEndpoint(host === 'index.docker.io' ? 'docker.io' : host);
    const call: HttpCall = { method: 'GET', url: `${endpoint.base}/v2/` };
    const reply = await this.request(endpoint, call, '', auth);
    discard(reply);
    if (reply.status === 200) return;
    throw new StrataError(reply.status === 401 ? 'unauthorized' : 'internal', `login attempt to ${call.url} failed with status: ${statusLine(reply.status)}`);
  }

  /**
   * Every repository in a registry's `_catalog`, page by page as its `Link: <...>; rel="next"`
   * says; `pageSize` is the `n` asked for per page.
   */
  async catalog(host: string, options: { auth?: RegistryAuth; signal?: AbortSignal; pageSize?: number } = {}): Promise<string[]> {
    const endpoint = await this.directEndpoint(host);
    const names: string[] = [];
    let url: string | undefined = `${endpoint.base}/v2/_catalog?n=${options.pageSize ?? 100}`;
    for (let page = 0; url; page++) {
      // A registry whose pages never end must not keep the daemon busy forever.
      if (page >= 1000) throw new StrataError('internal', `Get "${endpoint.base}/v2/_catalog": more than 1000 pages`);
      const call: HttpCall = { method: 'GET', url, signal: options.signal };
      const reply = await this.request(endpoint, call, 'registry:catalog:*', options.auth);
      if (reply.status !== 200) {
        const { text } = await replyError(reply);
        throw new StrataError(reply.status === 401 ? 'unauthorized' : 'internal', `Get "${url}": ${text}`);
      }
      const doc = parseUntrustedJson(await readBody(reply, MANIFEST_LIMIT, 'catalog'), 'catalog') as { repositories?: unknown };
      const repositories = doc?.repositories ?? [];
      if (!Array.isArray(repositories) || repositories.some((r) => typeof r !== 'string')) throw invalid(`Get "${url}": catalog repositories is not a list of names`);
      names.push(...(repositories as string[]));
      const next = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(String(reply.headers.link ?? ''));
      url = next ? new URL(next[1], url).toString() : undefined;
    }
    return names;
  }

  /** Upload a blob in one piece (POST an upload, PUT its bytes with the digest); skipped when present. */
  async putBlob(ref: Reference, bytes: Uint8Array, auth?: RegistryAuth): Promise<Descriptor & { existed: boolean }> {
    const digest = sha256(bytes);
    const endpoint = await this.directEndpoint(ref.domain);
    const scope = `repository:${ref.path}:pull,push`;
    const head: HttpCall = { method: 'HEAD', url: this.repoUrl(endpoint, ref, `blobs/${digest}`) };
    const exists = await this.request(endpoint, head, scope, auth);
    discard(exists);
    if (exists.status === 200) return { mediaType: 'application/octet-stream', digest, size: bytes.byteLength, existed: true };
    const start: HttpCall = { method: 'POST', url: this.repoUrl(endpoint, ref, 'blobs/uploads/') };
    const started = await this.request(endpoint, start, scope, auth);
    if (started.status !== 202 || !started.headers.location) throw await this.pullError(started, ref, start);
    discard(started);
    const url = new URL(started.headers.location, start.url);
    url.searchParams.set('digest', digest);
    const put: HttpCall = { method: 'PUT', url: url.toString(), headers: { 'Content-Type': 'application/octet-stream' }, body: bytes };
    const done = await this.request(endpoint, put, scope, auth);
    if (done.status !== 201) throw await this.pullError(done, ref, put);
    discard(done);
    return { mediaType: 'application/octet-stream', digest, size: bytes.byteLength, existed: false };
  }

  /** Store a manifest (or index) under a tag or its digest; returns its digest. */
  async putManifest(ref: Reference, tagOrDigest: string, mediaType: string, bytes: Uint8Array, auth?: RegistryAuth): Promise<Digest> {
    const endpoint = await this.directEndpoint(ref.domain);
    const put: HttpCall = { method: 'PUT', url: this.repoUrl(endpoint, ref, `manifests/${tagOrDigest}`), headers: { 'Content-Type': mediaType }, body: bytes };
    const reply = await this.request(endpoint, put, `repository:${ref.path}:pull,push`, auth);
    if (reply.status !== 201) throw await this.pullError(reply, ref, put);
    discard(reply);
    return sha256(bytes);
  }
}
