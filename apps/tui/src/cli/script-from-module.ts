/**
 * What a module bundle becomes as a script: an async function of a require, an import for its lazy imports (a
 * script has none of its own) and the module's URL, that returns its exports.
 */
export type ModuleAsScript = (require: NodeJS.Require, importLazily: (specifier: string) => Promise<unknown>, importMetaUrl: string) => Promise<Record<string, unknown>>;

// esbuild writes a bundle's imports and exports as statements at the start of a line, and nothing else there starts so.
const importStatement = /^import\s+(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s+as\s+([\w$]+))?\s*(?:from\s*)?(["'])([^"']+)\4;?[ \t]*$/gm;
const exportStatement = /^export\s*\{([^}]*)\};?[ \t]*$/gm;

/** `a, b as c` as [name, alias] pairs. */
const bindings = (list: string): Array<[string, string]> =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [name, alias] = s.split(/\s+as\s+/);
      return [name, alias ?? name];
    });

/**
 * The source of an ES module bundle (esbuild's output: imports of Node's built-in modules only, top-level await
 * allowed) rewritten as the source of a script whose value is a ModuleAsScript, so that it can be compiled with
 * node:vm and a V8 code cache, which Node 20 offers for scripts only. Undefined when the bundle has anything the
 * rewrite does not cover (then it is to be imported as the module it is).
 */
export function scriptFromModule(source: string): string | undefined {
  let body = source.replace(/^#!.*\n/, '');
  let unsupported = false;
  body = body.replace(importStatement, (_all, defaultName: string | undefined, named: string | undefined, namespace: string | undefined, _q, specifier: string) => {
    // Only Node's own modules: what `require` gives for them is what `import` does (the default export is the module).
    if (!specifier.startsWith('node:') && !/^[a-z_]+(\/[a-z_]+)?$/.test(specifier)) unsupported = true;
    const loaded = `__strataRequire(${JSON.stringify(specifier)})`;
    const parts: string[] = [];
    if (defaultName) parts.push(`const ${defaultName} = ${loaded};`);
    if (named !== undefined) parts.push(`const { ${bindings(named).map(([name, local]) => `${name}: ${local}`).join(', ')} } = ${loaded};`);
    if (namespace) parts.push(`const ${namespace} = ${loaded};`);
    if (parts.length === 0) parts.push(`${loaded};`);
    return parts.join(' ');
  });
  // Lazy imports of the files beside the bundle (build/app-lazy-imports.ts) and of Node's modules; no other import().
  body = body.replace(/\bimport\((["'])(\.\/[\w.-]+|(?:node:)?[a-z_]+(?:\/[a-z_]+)?)\1\)/g, (_all, _q, specifier: string) => `__strataImport(${JSON.stringify(specifier)})`);
  body = body.replace(exportStatement, (_all, list: string) => `return { ${bindings(list).map(([local, name]) => `${name}: ${local}`).join(', ')} };`);
  if (unsupported || /^(import|export)[\s{*]/m.test(body) || /\bimport\s*\(/.test(body.replace(/\/\/.*$/gm, ''))) return undefined;
  body = body.replaceAll('import.meta.url', '__strataImportMetaUrl');
  if (body.includes('import.meta')) return undefined;
  return `(async function (__strataRequire, __strataImport, __strataImportMetaUrl) {"use strict";\n${body}\n})`;
}
