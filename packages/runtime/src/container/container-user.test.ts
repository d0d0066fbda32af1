import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveContainerUser } from './container-user.js';
import { resolveInRoot } from './rootfs-path.js';

describe('container user and paths inside the root', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-user-'));
    outside = await mkdtemp(join(tmpdir(), 'strata-outside-'));
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nweb:x:1001:1002::/home/web:/bin/sh\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nwheel:x:10:root,web\nweb:x:1002:\nstaff:x:50:web\n');
    await writeFile(join(outside, 'passwd'), 'evil:x:0:0::/:/bin/sh\n');
    await mkdir(join(root, 'trap'));
    await symlink('../../../../../../..' + outside, join(root, 'trap/up'));
    await symlink('/etc', join(root, 'abs-etc'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('resolves Docker -u forms against the container\'s passwd and group files', async () => {
    expect(await resolveContainerUser(root, '')).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
    expect(await resolveContainerUser(root, 'web')).toEqual({ uid: 1001, gid: 1002, additionalGids: [10, 50] });
    expect(await resolveContainerUser(root, 'web:staff')).toEqual({ uid: 1001, gid: 50, additionalGids: [] });
    expect(await resolveContainerUser(root, '1001')).toEqual({ uid: 1001, gid: 1002, additionalGids: [10, 50] });
    expect(await resolveContainerUser(root, '4242:7')).toEqual({ uid: 4242, gid: 7, additionalGids: [] });
    await expect(resolveContainerUser(root, 'ghost')).rejects.toThrow('unable to find user ghost: no matching entries in passwd file');
    await expect(resolveContainerUser(root, 'web:ghosts')).rejects.toThrow('unable to find group ghosts: no matching entries in group file');
  });

  it('without /etc/passwd numbers still work and names do not', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'strata-empty-'));
    try {
      expect(await resolveContainerUser(empty, '')).toEqual({ uid: 0, gid: 0, additionalGids: [] });
      expect(await resolveContainerUser(empty, '1000:1000')).toEqual({ uid: 1000, gid: 1000, additionalGids: [] });
      await expect(resolveContainerUser(empty, 'root')).rejects.toThrow('unable to find user root');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('symlinks are followed as the container sees them and never leave the root', async () => {
    expect(await resolveInRoot(root, '/abs-etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(await resolveInRoot(root, '/trap/up/passwd')).toBe(join(root, outside.slice(1), 'passwd'));
    expect(await resolveInRoot(root, '../../x/./y')).toBe(join(root, 'x/y'));
  });
});
