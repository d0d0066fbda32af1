import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { ModuleAsScript } from './script-from-module.js';

/** How a module was compiled: from its code cache, without one (none kept, or V8 refused it), or imported as a module. */
export type CodeCacheUse = 'used' | 'rejected' | 'absent' | 'not-a-script';

export interface CodeCachedModule<T> {
  exports: T;
  cache: CodeCacheUse;
  /** Keeps V8's code for every function compiled so far, for the next start; false when it could not be written. */
  saveCache(): Promise<boolean>;
}

/**
 * The code cache file for the script at `scriptPath`: in the data root's `tui-cache` (Strata writes nothing
 * outside its data root), one per script path (FNV-1a of it), so that two builds started in turn do not
 * replace each other's cache.
 */
export function codeCacheFile(scriptPath: string, dataRoot: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < scriptPath.length; i++) hash = Math.imul(hash ^ scriptPath.charCodeAt(i), 0x01000193) >>> 0;
  return join(dataRoot, 'tui-cache', `${basename(scriptPath, '.js')}-${hash.toString(16).padStart(8, '0')}.v8-cache`);
}

// The cache file starts with a line naming the module file and the V8 it was made for; a cache made for any
// other is ignored. V8 checks its version and flags itself, but of the source only the length.
const cacheKey = async (modulePath: string): Promise<string> => {
  const s = await stat(modulePath);
  return `${modulePath} ${s.size} ${s.mtimeMs} ${s.ino} ${process.version} ${process.arch}\n`;
};

async function readCache(cacheFile: string, key: string): Promise<Buffer | undefined> {
  try {
    const bytes = await readFile(cacheFile);
    const end = bytes.indexOf(10);
    return end >= 0 && bytes.subarray(0, end + 1).toString('utf8') === key ? bytes.subarray(end + 1) : undefined;
  } catch {
    return undefined;
  }
}

async function writeCache(cacheFile: string, key: string, data: Buffer): Promise<boolean> {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(cacheFile), { recursive: true });
    await writeFile(temporary, Buffer.concat([Buffer.from(key, 'utf8'), data]));
    await rename(temporary, cacheFile);
    return true;
  } catch {
    await unlink(temporary).catch(() => undefined);
    return false;
  }
}

/**
 * Evaluates a module bundle from its script form (`scriptPath`, written by scriptFromModule when the bundle was built),
 * compiled with the V8 code cache kept in `cacheFile` (Node 20 has no code cache for modules): starting from the
 * cache, V8 neither parses the bundle nor compiles the functions it ran last time. A missing, stale or refused cache
 * only costs the compile; without the script form, the module (`modulePath`) is imported as it is.
 */
export async function importWithCodeCache<T>(scriptPath: string, modulePath: string, cacheFile: string): Promise<CodeCachedModule<T>> {
  const url = pathToFileURL(modulePath).href;
  let loaded: { source: string; key: string } | undefined;
  try {
    const [source, key] = await Promise.all([readFile(scriptPath, 'utf8'), cacheKey(scriptPath)]);
    loaded = { source, key };
  } catch {
    loaded = undefined;
  }
  if (loaded === undefined) return { exports: (await import(url)) as T, cache: 'not-a-script', saveCache: async () => false };
  const { source, key } = loaded;
  const cached = await readCache(cacheFile, key);
  let script: vm.Script;
  try {
    script = new vm.Script(source, { filename: modulePath, ...(cached ? { cachedData: cached } : {}) });
  } catch {
    // A script form that does not compile (cut short, say) is no reason not to start: the module is still there.
    return { exports: (await import(url)) as T, cache: 'not-a-script', saveCache: async () => false };
  }
  const run = script.runInThisContext() as ModuleAsScript;
  const importLazily = (specifier: string) => import(specifier.startsWith('./') ? new URL(specifier, url).href : specifier);
  const exports = (await run(createRequire(modulePath), importLazily, url)) as T;
  return {
    exports,
    cache: cached === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used',
    saveCache: () => writeCache(cacheFile, key, script.createCachedData()),
  };
}
