import { runCommand } from '../host-command.js';

/** getfattr's escapes in file names (`\012`, `\\`) undone, byte-exact. */
function unescapeName(name: string): string {
  const bytes: number[] = [];
  const utf8 = Buffer.from(name.replace(/\\\\/g, '\\134'), 'utf8');
  for (let i = 0; i < utf8.length; i++) {
    if (utf8[i] === 0x5c && i + 3 < utf8.length + 1 && /^[0-7]{3}$/.test(utf8.subarray(i + 1, i + 4).toString('latin1'))) {
      bytes.push(parseInt(utf8.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else bytes.push(utf8[i]);
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The extended attributes whose names match `pattern` (a regular expression, as getfattr's `-m`)
 * of `dir` and everything under it, keyed by path relative to `root` (`''` = root), in one run
 * of getfattr (Node has no xattr calls). Symlinks are not followed.
 */
export async function xattrsUnder(root: string, dir: string, pattern: string): Promise<Map<string, Record<string, Uint8Array>>> {
  const out = new Map<string, Record<string, Uint8Array>>();
  const r = await runCommand('getfattr', ['-R', '-P', '--absolute-names', '-e', 'hex', '-m', pattern, '-d', dir]);
  let current: Record<string, Uint8Array> | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      const abs = unescapeName(line.slice('# file: '.length));
      const rel = abs === root ? '' : abs.startsWith(`${root}/`) ? abs.slice(root.length + 1) : undefined;
      current = rel === undefined ? undefined : {};
      if (current && rel !== undefined) out.set(rel, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) continue;
    const value = line.slice(eq + 1);
    current[line.slice(0, eq)] = value.startsWith('0x') ? Uint8Array.from(Buffer.from(value.slice(2), 'hex')) : new TextEncoder().encode(value.replace(/^"|"$/g, ''));
  }
  return out;
}
