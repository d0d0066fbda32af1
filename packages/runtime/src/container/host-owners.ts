import { readFileSync } from 'node:fs';

/** ID -> name from a passwd or group file (the first line with an ID wins, as getpwuid). */
function namesById(path: string): Map<number, string> {
  const out = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined && /^\d+$/.test(id) && !out.has(Number(id))) out.set(Number(id), name);
  }
  return out;
}

let cached: { users: Map<number, string>; groups: Map<number, string> } | undefined;

/** The host's user and group names, as Go's archive/tar puts them in headers (uname/gname). */
export function hostOwnerNames(): { userName(uid: number): string; groupName(gid: number): string } {
  cached ??= { users: namesById('/etc/passwd'), groups: namesById('/etc/group') };
  const { users, groups } = cached;
  return { userName: (uid) => users.get(uid) ?? '', groupName: (gid) => groups.get(gid) ?? '' };
}
