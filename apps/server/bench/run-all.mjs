// Runs every built benchmark in bench/dist one after the other (images first, then the rest by name),
// or only those whose names contain one of the arguments: `pnpm bench registry exec`.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), 'dist');
const wanted = process.argv.slice(2);
const order = (name) => (name.startsWith('images.') ? 0 : name.startsWith('containers.') ? 1 : 2);
const benches = readdirSync(dist)
  .filter((name) => name.endsWith('.bench.js') && (wanted.length === 0 || wanted.some((w) => name.includes(w))))
  .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
for (const name of benches) {
  const { status } = spawnSync(process.execPath, [join(dist, name)], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
