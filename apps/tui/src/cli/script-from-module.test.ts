import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptFromModule, type ModuleAsScript } from './script-from-module.js';

// A module the way esbuild writes a bundle: the banner, imports of Node's modules in each form, top-level await,
// import.meta.url, lazy imports of a file beside it and of a Node module, and the export list at the end.
const bundle = `#!/usr/bin/env node
import { createRequire as __strataCreateRequire } from 'node:module';
const require = __strataCreateRequire(import.meta.url);
import process2 from "process";
import { join as join2, basename } from "path";
import * as os from "os";
import {
  EventEmitter,
  once as once2
} from "events";
import "util";
var answer = await Promise.resolve(42);
const here = basename(new URL(import.meta.url).pathname);
async function later() {
  const { value } = await import("./beside.js");
  const fs = await import("fs");
  return value + (typeof fs.readFileSync);
}
export {
  answer,
  later as lateValue,
  here,
  join2 as joined,
  process2 as proc,
  os,
  EventEmitter,
  once2 as once,
};
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-script-from-module-'));
  await writeFile(join(dir, 'beside.js'), 'export const value = "beside:";\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a module bundle as a script', () => {
  it('gives the exports the module gives, from Node modules, top-level await, import.meta.url and lazy imports', async () => {
    const source = scriptFromModule(bundle);
    expect(source).toBeDefined();
    expect(source!.split('\n').filter((line) => /^(import|export)\b/.test(line))).toEqual([]);
    const path = join(dir, 'bundle.js');
    const url = pathToFileURL(path).href;
    const run = new vm.Script(source!, { filename: path }).runInThisContext() as ModuleAsScript;
    const exports = await run(createRequire(path), (s) => import(s.startsWith('./') ? new URL(s, url).href : s), url);
    expect(Object.keys(exports).sort()).toEqual(['EventEmitter', 'answer', 'here', 'joined', 'lateValue', 'once', 'os', 'proc']);
    expect(exports.answer).toBe(42);
    expect(exports.here).toBe('bundle.js');
    expect((exports.joined as (...p: string[]) => string)('a', 'b')).toBe(join('a', 'b'));
    expect(exports.proc).toBe(process);
    expect(exports.os).toBe(createRequire(path)('os'));
    expect(exports.EventEmitter).toBe(createRequire(path)('events').EventEmitter);
    expect(await (exports.lateValue as () => Promise<string>)()).toBe('beside:function');
    // The same module imported as a module, for comparison.
    await writeFile(join(dir, 'bundle.mjs'), bundle.replace('./beside.js', './beside.js'));
    const asModule = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as Record<string, unknown>;
    expect(Object.keys(asModule).sort()).toEqual(Object.keys(exports).sort());
    expect(asModule.answer).toBe(exports.answer);
  });

  it('is strict code, as a module is', async () => {
    const source = scriptFromModule('const self = (function () { return this; })();\nexport { self };\n')!;
    const run = new vm.Script(source).runInThisContext() as ModuleAsScript;
    expect((await run(createRequire(import.meta.url), () => Promise.resolve({}), import.meta.url)).self).toBeUndefined();
  });

  it('declines what it does not rewrite: packages, default exports, computed lazy imports, import.meta beyond url', () => {
    expect(scriptFromModule('import devtools from "react-devtools-core";\nexport { devtools };\n')).toBeUndefined();
    expect(scriptFromModule('const x = 1;\nexport default x;\n')).toBeUndefined();
    expect(scriptFromModule('const load = (name) => import(name);\nexport { load };\n')).toBeUndefined();
    expect(scriptFromModule('const d = import.meta.dirname;\nexport { d };\n')).toBeUndefined();
    expect(scriptFromModule('import { a } from "../elsewhere.js";\nexport { a };\n')).toBeUndefined();
  });
});
