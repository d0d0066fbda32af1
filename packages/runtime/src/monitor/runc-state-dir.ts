import { readFileSync } from 'node:fs';
import { readFile, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The parts of runc's `<root>/<id>/state.json` a stopped container's cleanup needs. */
interface RuncStateFile {
  init_process_pid?: number;
  init_process_start?: number;
  config?: { hooks?: Record<string, unknown[] | undefined> | null };
  cgroup_paths?: Record<string, string>;
  intel_rdt_path?: string;
}

const stateFile = (root: string, id: string) => join(root, id, 'state.json');

/**
 * Whether runc keeps state for the container (from `runc create` to `runc delete`). A stat
 * instead of `runc state`, which costs a process spawn (~10 ms here) on every start and removal.
 */
export async function hasRuncState(root: string, id: string): Promise<boolean> {
  try {
    await stat(stateFile(root, id));
    return true;
  } catch {
    return false;
  }
}

/** True while `pid` is the same process runc started (field 22 of /proc/<pid>/stat is its start time). */
async function isSameProcess(pid: number, start: number): Promise<boolean> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]) === start;
  } catch {
    return false;
  }
}

/**
 * True when runc's init process of the container still lives (running or paused): its state file
 * names it and /proc shows the same process. Read synchronously, without `runc state` (a process
 * spawn, 50-80 ms on a loaded machine) or thread-pool round trips: an exec asks this first.
 */
export function isRuncInitAlive(root: string, id: string): boolean {
  try {
    const state = JSON.parse(readFileSync(stateFile(root, id), 'utf8')) as RuncStateFile;
    if (!state.init_process_pid || state.init_process_start === undefined) return false;
    const text = readFileSync(`/proc/${state.init_process_pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]) === state.init_process_start;
  } catch {
    return false;
  }
}

/**
 * What `runc delete` does for a stopped container (libcontainer's destroy(): remove the cgroups,
 * then the state dir; poststop hooks last), done in place because spawning runc costs ~20 ms of
 * every `docker rm`. Refuses (returns false, nothing changed but empty cgroups) whenever runc would
 * do more: the init process still lives, hooks or Intel RDT are configured, or a cgroup is busy
 * (rmdir fails while any process is in it). The caller then runs `runc delete --force`.
 */
export async function deleteStoppedState(root: string, id: string): Promise<boolean> {
  let state: RuncStateFile;
  try {
    state = JSON.parse(await readFile(stateFile(root, id), 'utf8')) as RuncStateFile;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  const hooks = state.config?.hooks ?? {};
  if (Object.values(hooks).some((list) => Array.isArray(list) && list.length > 0)) return false;
  if (state.intel_rdt_path) return false;
  if (state.init_process_pid && state.init_process_start !== undefined && (await isSameProcess(state.init_process_pid, state.init_process_start))) return false;
  const paths = [...new Set(Object.values(state.cgroup_paths ?? {}))];
  const removed = await Promise.all(
    paths.map((path) =>
      rmdir(path).then(
        () => true,
        (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
      ),
    ),
  );
  if (removed.includes(false)) return false;
  await rm(join(root, id), { recursive: true, force: true });
  return true;
}
