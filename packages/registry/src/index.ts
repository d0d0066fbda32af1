export { RegistryClient, MANIFEST_LIMIT, type FetchedManifest, type RegistryClientOptions } from './registry-client.js';
export { type TransportOptions, type Endpoint, endpointsFor, isInsecureRegistry, defaultCertsDir } from './transport-rules.js';
export { type Platform, parsePlatform, normalizePlatform, formatPlatform, hostPlatform, selectPlatform, compatiblePlatforms } from './platform.js';
export { parseChallenges, type Challenge } from './challenge-auth.js';
export { verifiedBlobStream, verificationFailed } from './verified-blob-stream.js';
export { startLocalRegistry, freePort, dockerRegistryBinary, type LocalRegistry } from './local-registry.js';
export { startRegistryProxy, type RegistryProxy, type BlobTampering, type ManifestReplacement } from './registry-proxy.js';
export { makeCertificateAuthority, type TestCertificates } from './certificate-authority.js';
