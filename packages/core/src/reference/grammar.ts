// The distribution reference grammar (github.com/distribution/reference, regexp.go):
//
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain '/'] remote-name
//   domain           := host [':' port-number]
//   host             := domain-name | IPv4address | \[ IPv6address \]
//   domain-name      := domain-component ['.' domain-component]*
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   port-number      := /[0-9]+/
//   path-component   := alpha-numeric [separator alpha-numeric]*
//   remote-name      := path-component ['/' path-component]*
//   alpha-numeric    := /[a-z0-9]+/
//   separator        := /[_.]|__|[-]+/
//   tag              := /[\w][\w.-]{0,127}/
//   digest           := algorithm ":" /[0-9a-fA-F]{32,}/
//
// Upstream matches one big regexp. A backtracking engine could go quadratic or worse on
// it, so the string is first cut where the grammar leaves no choice ('@', the last ':'
// after the last '/', the first '/'), and each piece is matched by a small anchored
// regexp whose alternatives never overlap. The captures are the ones Go's leftmost-first
// match of the big regexp yields.

const domainNameComponent = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
// Compressed or full IPv6 in brackets; zones (%eth0) and IPv4-mapped forms stay out.
const ipv6Address = '\\[[a-fA-F0-9:]+\\]';
const optionalPort = '(?::[0-9]+)?';

/** A registry host with optional port: `localhost:5000`, `10.0.0.1`, `[::1]:5000`. */
export const anchoredDomain = new RegExp(`^(?:${domainName}|${ipv6Address})${optionalPort}$`);

/** One slash-free part of a repository path: `ubuntu`, `my_app`, `a--b.c`. */
export const anchoredPathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** A tag: a word character, then up to 127 word characters, dots or dashes. */
export const anchoredTag = /^\w[\w.-]{0,127}$/;

/** A digest as the reference grammar spells it (the digest room checks it further). */
export const anchoredDigest = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** A bare image ID: 64 lowercase hex characters. */
export const anchoredIdentifier = /^[a-f0-9]{64}$/;

/** True when `s` is a remote name: one or more path components joined by '/'. */
export function isRemoteName(s: string): boolean {
  return s.split('/').every((component) => anchoredPathComponent.test(component));
}

/** Domain and path of a name (anchoredNameRegexp), domain '' when the first part is path; undefined when invalid. */
export function matchName(name: string): { domain: string; path: string } | undefined {
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const domain = name.slice(0, slash);
    const path = name.slice(slash + 1);
    // The optional domain group is greedy in Go's regexp: take it whenever the rest still fits.
    if (anchoredDomain.test(domain) && isRemoteName(path)) return { domain, path };
  }
  return isRemoteName(name) ? { domain: '', path: name } : undefined;
}

/** The name, tag and digest captures of the full reference grammar ('' for absent parts); undefined when invalid. */
export function matchReference(s: string): { name: string; tag: string; digest: string } | undefined {
  const at = s.indexOf('@');
  const digest = at >= 0 ? s.slice(at + 1) : '';
  if (at >= 0 && !anchoredDigest.test(digest)) return undefined;
  const nameAndTag = at >= 0 ? s.slice(0, at) : s;
  // A name never ends in a port (a domain is always followed by a path), so a ':' with no
  // '/' after it can only start the tag.
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : '';
  if (hasTag && !anchoredTag.test(tag)) return undefined;
  if (matchName(name) === undefined) return undefined;
  return { name, tag, digest };
}
