import type { Digest } from '../digest/index.js';
import type { Manifest } from '../image/index.js';
import type { Reference } from '../reference/index.js';
import type { Descriptor } from './ports.js';

/**
 * Credentials for one registry as the docker CLI sends them (`X-Registry-Auth`, base64url JSON)
 * and as `docker login` stores them. All fields optional: `{}` is anonymous.
 */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** A refresh token from an earlier login (OAuth2 flow). */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
  serveraddress?: string;
}

/** What a reference resolved to in a registry: the image manifest for one platform. */
export interface ResolvedManifest {
  /**
   * The digest the reference names in the registry: the index's when the tag points at an index
   * or manifest list (Docker records and prints that one), else the manifest's own.
   */
  digest: Digest;
  /** Digest, media type and size of the image manifest picked for the platform. */
  descriptor: Descriptor;
  /** The image manifest's exact bytes (its digest is `descriptor.digest`). */
  bytes: Uint8Array;
  manifest: Manifest;
}

export interface ResolveOptions {
  /** `os/arch[/variant]` as `--platform` takes it; the host's platform when absent. */
  platform?: string;
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

export interface BlobFetchOptions {
  auth?: RegistryAuth;
  signal?: AbortSignal;
  /** Called with the running byte count as the blob streams in (for `Downloading` progress). */
  onBytes?: (received: number) => void;
}

/**
 * Port: an OCI distribution registry client (pull and push). Blobs come back as streams that error (instead of
 * closing) when their size or digest does not match the descriptor, so a consumer never commits
 * bytes the registry did not promise.
 */
export interface Registry {
  /** Resolve a tag or digest reference to an image manifest (an index picks the platform). */
  resolve(ref: Reference, options?: ResolveOptions): Promise<ResolvedManifest>;
  /** Stream a blob of the reference's repository, verified against `descriptor` as it streams. */
  fetchBlob(ref: Reference, descriptor: Descriptor, options?: BlobFetchOptions): Promise<ReadableStream<Uint8Array>>;
  /** True when the reference's repository already holds the blob. */
  hasBlob(ref: Reference, digest: Digest, options?: { auth?: RegistryAuth; signal?: AbortSignal }): Promise<boolean>;
  /** Upload a blob into the reference's repository from a stream of exactly `descriptor.size` bytes. */
  pushBlob(ref: Reference, descriptor: Descriptor, body: ReadableStream<Uint8Array>, options?: BlobFetchOptions): Promise<void>;
  /**
   * Upload a blob whose digest is known only once `body` has ended (a layer compressed on the
   * fly): the bytes go up as they stream (PATCH), then the upload is committed with `digestOf()`.
   */
  uploadBlob(ref: Reference, body: ReadableStream<Uint8Array>, digestOf: () => Digest, options?: BlobFetchOptions): Promise<void>;
  /**
   * Cross-repository mount: ask the registry to link a blob that repository `from` (a path in
   * the same registry) holds into the reference's repository. False when it declined.
   */
  mountBlob(ref: Reference, digest: Digest, from: string, options?: { auth?: RegistryAuth; signal?: AbortSignal }): Promise<boolean>;
  /** Store a manifest under a tag (or its digest); returns its digest. */
  pushManifest(ref: Reference, tagOrDigest: string, mediaType: string, bytes: Uint8Array, options?: { auth?: RegistryAuth; signal?: AbortSignal }): Promise<Digest>;
  /** Check credentials against a registry (`host[:port]`, or a URL as `docker login` sends it); throws Docker's error when refused. */
  checkLogin(server: string, auth: RegistryAuth): Promise<void>;
  /** Every repository name a registry (`host[:port]`) lists in its `_catalog`, following its `Link` pages. */
  catalog(host: string, options?: { auth?: RegistryAuth; signal?: AbortSignal }): Promise<string[]>;
}
