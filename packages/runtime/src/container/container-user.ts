import { readFile } from 'node:fs/promises';
import { invalid } from '@strata/core';
import { resolveInRoot } from './rootfs-path.js';

/** The identity the container's process runs as (OCI `process.user`). */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const NUMERIC = /^[0-9]+$/;

async function readRootFile(root: string, path: string): Promise<string | undefined> {
  try {
    return await readFile(await resolveInRoot(root, path), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP') return undefined;
    throw e;
  }
}

const lines = (text: string | undefined): string[][] =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));

const passwdEntries = (text: string | undefined): PasswdEntry[] =>
  lines(text)
    .filter((f) => f.length >= 4 && NUMERIC.test(f[2]) && NUMERIC.test(f[3]))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]) }));

const groupEntries = (text: string | undefined): GroupEntry[] =>
  lines(text)
    .filter((f) => f.length >= 3 && NUMERIC.test(f[2]))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));

/**
 * Docker's `-u` resolution (runc's GetExecUser): `uid`, `uid:gid`, `name`, `name:group`, '' = root.
 * Names are looked up in the container's own /etc/passwd and /etc/group; numbers need no entry.
 * Without an explicit group the user's supplementary groups come from /etc/group membership.
 */
export async function resolveContainerUser(root: string, spec: string): Promise<ResolvedUser> {
  const [userPart, groupPart] = spec === '' ? ['0', undefined] : ((i) => (i < 0 ? [spec, undefined] : [spec.slice(0, i), spec.slice(i + 1)]))(spec.indexOf(':'));
  // Both files are read at once: this is on the path of every start.
  const [passwdText, groupText] = await Promise.all([readRootFile(root, '/etc/passwd'), readRootFile(root, '/etc/group')]);
  const passwd = passwdEntries(passwdText);
  let uid: number;
  let gid = 0;
  let name: string | undefined;
  if (NUMERIC.test(userPart)) {
    uid = Number(userPart);
    const entry = passwd.find((p) => p.uid === uid);
    if (entry) ({ gid, name } = entry);
  } else {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw invalid(`unable to find user ${userPart}: no matching entries in passwd file`);
    ({ uid, gid, name } = entry);
  }
  const groups = groupEntries(groupText);
  if (groupPart !== undefined && groupPart !== '') {
    if (NUMERIC.test(groupPart)) gid = Number(groupPart);
    else {
      const group = groups.find((g) => g.name === groupPart);
      if (!group) throw invalid(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = group.gid;
    }
    return { uid, gid, additionalGids: [] };
  }
  const additionalGids = name === undefined ? [] : [...new Set(groups.filter((g) => g.members.includes(name!)).map((g) => g.gid))];
  return { uid, gid, additionalGids };
}
