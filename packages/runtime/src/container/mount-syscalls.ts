import { constants } from 'node:os';
import { createRequire } from 'node:module';

/** mount(2) and umount2(2) of libc, called in-process. */
export interface MountSyscalls {
  /** mount(2); returns 0 or the errno it failed with. */
  mount(source: string, target: string, fstype: string, flags: number, data: string): number;
  /** umount2(2) on a worker thread (an overlay's unmount syncs its upper filesystem); true when it worked. */
  umount(target: string, flags: number): Promise<boolean>;
}

/** umount2's flag for a lazy unmount: detach now, tear down once no longer busy. */
export const MNT_DETACH = 2;

let loaded: MountSyscalls | null | undefined;

/**
 * The syscalls through koffi, or undefined where libc or koffi cannot be loaded (the callers then
 * spawn mount/umount). Spawning either costs 12-16 ms from stratad; the syscall, under a millisecond.
 */
export function mountSyscalls(): MountSyscalls | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  if (process.platform !== 'linux') return undefined;
  try {
    // koffi is CommonJS with a native addon: required, not imported, so that a bundler leaves it alone.
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    const mount = libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');
    const umount2 = libc.func('int umount2(const char *target, int flags)');
    loaded = {
      mount: (source, target, fstype, flags, data) => (mount(source, target, fstype, flags, data) === 0 ? 0 : koffi.errno()),
      umount: (target, flags) =>
        new Promise((resolve) => {
          umount2.async(target, flags, (err: unknown, result: number) => resolve(!err && result === 0));
        }),
    };
  } catch {
    loaded = null;
  }
  return loaded ?? undefined;
}

/** `EINVAL` for 22: the name of an errno, for messages. */
export function errnoName(errno: number): string {
  return Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
}
