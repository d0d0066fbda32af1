// A throw-away certificate authority for TLS tests: a CA and one server certificate, made with openssl.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Paths of the PEM files {@link makeCertificateAuthority} wrote. */
export interface TestCertificates {
  /** The CA's certificate: what `certs.d/<host:port>/ca.crt` holds. */
  caCert: string;
  /** The server's certificate (signed by the CA) and key, as the registry's `http.tls` takes them. */
  cert: string;
  key: string;
}

/**
 * Write a self-signed CA and a server certificate it signed for `names` (IP addresses and DNS
 * names, e.g. `['::1', '127.0.0.1']`) into `dir`.
 */
export async function makeCertificateAuthority(dir: string, names: string[]): Promise<TestCertificates> {
  const at = (f: string) => join(dir, f);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Strata test CA', '-keyout', at('ca.key'), '-out', at('ca.crt')]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=strata-test-registry', '-keyout', at('server.key'), '-out', at('server.csr')]);
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  await writeFile(at('server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', at('server.ext'), '-out', at('server.crt')]);
  return { caCert: at('ca.crt'), cert: at('server.crt'), key: at('server.key') };
}
