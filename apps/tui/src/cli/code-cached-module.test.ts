import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeCacheFile, importWithCodeCache } from './code-cached-module.js';
import { scriptFromModule } from './script-from-module.js';

// A module with enough code that V8 keeps a code cache for it, and a function it runs at load.
const moduleSource = (label: string) => `import { join } from "path";
function rows(n) { const out = []; for (let i = 0; i < n; i++) out.push(join("row", String(i))); return out; }
const first = rows(50);
const label = ${JSON.stringify(label)};
export { first, label, rows };
`;

type Exports = { first: string[]; label: string; rows: (n: number) => string[] };
const run = promisify(execFile);

let dir: string;
const paths = () => ({ script: join(dir, 'app-script.js'), module: join(dir, 'app.js') });
async function build(label: string): Promise<void> {
  await writeFile(paths().module, moduleSource(label));
  await writeFile(paths().script, scriptFromModule(moduleSource(label))!);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-code-cache-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a module evaluated with a code cache', () => {
  it('keeps the cache in the data root, one file per script path', () => {
    expect(codeCacheFile('/opt/strata/dist/app-script.js', '/var/lib/strata')).toMatch(/^\/var\/lib\/strata\/tui-cache\/app-script-[0-9a-f]{8}\.v8-cache$/);
    expect(codeCacheFile('/a/app-script.js', '/r')).not.toBe(codeCacheFile('/b/app-script.js', '/r'));
  });

  // V8 also remembers compiled scripts in memory, by source: a second compile of the same source in one process
  // never reads the cache. So each start is a process of its own, running the built module (dist/, by pnpm build).
  it('compiles without a cache, keeps one, starts from it next time, ignores one made for another build or refused by V8', async () => {
    const dist = join(dirname(fileURLToPath(import.meta.url)), '../../dist');
    const built = (await readdir(dist)).find((f) => /^code-cached-module-[\w-]+\.js$/.test(f));
    expect(built, `dist/code-cached-module-*.js is built by \`pnpm build\``).toBeDefined();
    const cacheFile = join(dir, 'cache', 'strata', 'app.v8-cache');
    const start = async (): Promise<{ cache: string; label: string; saved: boolean }> => {
      const child = `const { importWithCodeCache } = await import(${JSON.stringify(pathToFileURL(join(dist, built!)).href)});
        const m = await importWithCodeCache(${JSON.stringify(paths().script)}, ${JSON.stringify(paths().module)}, ${JSON.stringify(cacheFile)});
        const saved = m.cache === 'used' ? false : await m.saveCache();
        console.log(JSON.stringify({ cache: m.cache, label: m.exports.label, rows: m.exports.rows(2), saved }));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child]);
      const answer = JSON.parse(stdout) as { cache: string; label: string; rows: string[]; saved: boolean };
      expect(answer.rows).toEqual([join('row', '0'), join('row', '1')]);
      return { cache: answer.cache, label: answer.label, saved: answer.saved };
    };
    await build('one');
    expect(await start()).toEqual({ cache: 'absent', label: 'one', saved: true });
    const kept = await readFile(cacheFile);
    expect(kept.subarray(0, kept.indexOf(10)).toString()).toContain(paths().script);
    expect(kept.length).toBeGreaterThan(kept.indexOf(10) + 100);
    expect(await start()).toEqual({ cache: 'used', label: 'one', saved: false });

    // A rebuilt bundle (other content, size and time): the cache kept for the old one is not used.
    await build('a longer label');
    expect(await start()).toEqual({ cache: 'absent', label: 'a longer label', saved: true });
    expect(await start()).toEqual({ cache: 'used', label: 'a longer label', saved: false });

    // Bytes that are not V8's code under the right key: V8 refuses them and compiles, and the cache is made anew.
    const key = (await readFile(cacheFile)).subarray(0, kept.indexOf(10) + 1);
    await writeFile(cacheFile, Buffer.concat([key, Buffer.from('not V8 code at all, but long enough to be read as some '.repeat(8))]));
    expect(await start()).toEqual({ cache: 'rejected', label: 'a longer label', saved: true });
    expect(await start()).toEqual({ cache: 'used', label: 'a longer label', saved: false });
  });

  it('starts when the cache cannot be kept', async () => {
    await build('two');
    if (process.getuid?.() !== 0) {
      const readOnly = join(dir, 'read-only');
      await mkdir(readOnly);
      await chmod(readOnly, 0o500);
      const unwritable = await importWithCodeCache<Exports>(paths().script, paths().module, join(readOnly, 'strata', 'app.v8-cache'));
      expect(await unwritable.saveCache()).toBe(false);
    }
    // A cache path under a file cannot be made by anyone, root included.
    const underFile = await importWithCodeCache<Exports>(paths().script, paths().module, join(paths().module, 'strata', 'app.v8-cache'));
    expect(underFile.exports.label).toBe('two');
    expect(await underFile.saveCache()).toBe(false);
  });

  it('imports the module as it is when there is no script form, or one that does not compile', async () => {
    await build('three');
    await rm(paths().script);
    const plain = await importWithCodeCache<Exports>(paths().script, paths().module, join(dir, 'plain', 'app.v8-cache'));
    expect(plain.cache).toBe('not-a-script');
    expect(plain.exports.label).toBe('three');
    expect(await plain.saveCache()).toBe(false);
    // A script form cut short: the module still starts (another file: Node keeps the module imported above).
    const cutDir = join(dir, 'cut');
    await mkdir(cutDir);
    await writeFile(join(cutDir, 'app.js'), moduleSource('four'));
    const script = scriptFromModule(moduleSource('four'))!;
    await writeFile(join(cutDir, 'app-script.js'), script.slice(0, script.length / 2));
    const cut = await importWithCodeCache<Exports>(join(cutDir, 'app-script.js'), join(cutDir, 'app.js'), join(cutDir, 'cache', 'app.v8-cache'));
    expect(cut.cache).toBe('not-a-script');
    expect(cut.exports.label).toBe('four');
  });
});
