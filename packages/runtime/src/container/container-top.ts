import { StrataError } from '@strata/core';
import { runCommand } from '../host-command.js';

/**
 * `docker top`: the host's `ps` with the user's arguments (default `-ef`), rows kept when their PID
 * belongs to the container, split as dockerd splits them (the last column keeps its spaces).
 */
export async function topOf(pids: ReadonlySet<number>, psArgs = '-ef'): Promise<{ Titles: string[]; Processes: string[][] }> {
  const args = psArgs.trim() === '' ? ['-ef'] : psArgs.trim().split(/\s+/);
  const r = await runCommand('ps', args);
  if (r.code !== 0) throw new StrataError('internal', `ps: ${r.stderr.trim() || `exit status ${r.code}`}`);
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  const Titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = Titles.indexOf('PID');
  if (pidIndex < 0) throw new StrataError('invalid', "Couldn't find PID field in ps output");
  const Processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, Titles.length - 1), fields.slice(Titles.length - 1).join(' ')];
    const pid = Number(row[pidIndex]);
    if (pids.has(pid)) Processes.push(row);
  }
  return { Titles, Processes };
}
