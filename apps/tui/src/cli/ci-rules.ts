import type { ImageAnalysisDocument } from '@strata/core';

/** A `.dive-ci` file that cannot be used: unknown key, bad value, bad syntax. */
export class CiConfigError extends Error {}

/** The rules of a `.dive-ci` file: dive's three, then ours. Undefined = disabled. */
export interface CiRules {
  lowestEfficiency?: number;
  highestWastedBytes?: number;
  highestUserWastedPercent?: number;
  maxSize?: number;
  maxLayers?: number;
  forbiddenPaths: string[];
  noSecrets: boolean;
}

/** dive's defaults when a key is absent (dive's config.go). */
const DIVE_DEFAULTS = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

const SI: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15, e: 1e18, eb: 1e18 };
const IEC: Record<string, number> = { ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3, ti: 1024 ** 4, tib: 1024 ** 4, pi: 1024 ** 5, pib: 1024 ** 5, ei: 1024 ** 6, eib: 1024 ** 6 };

/** go-humanize's ParseBytes, which dive uses for byte values: `20MB` = 20e6, `20MiB` = 20·2^20, `1,000 kB`. */
export function parseBytes(value: string): number {
  const s = value.trim();
  let last = 0;
  for (let i = 0; i < s.length; i++) if ((s[i] >= '0' && s[i] <= '9') || s[i] === '.' || s[i] === ',') last = i + 1;
  const num = Number(s.slice(0, last).replaceAll(',', ''));
  const unit = s.slice(last).trim().toLowerCase();
  const mult = SI[unit] ?? IEC[unit];
  if (last === 0 || !Number.isFinite(num) || mult === undefined) throw new CiConfigError(`invalid size ${JSON.stringify(value)}: use a number with an optional unit (B, kB, MB, GB, KiB, MiB, GiB)`);
  return Math.floor(num * mult);
}

function parseFraction(key: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CiConfigError(`invalid value for ${key}: ${JSON.stringify(value)} is not a number`);
  if (n < 0 || n > 1) throw new CiConfigError(`${key} config value is outside allowed range (0-1), given '${value}'`);
  return n;
}

function parseCount(key: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new CiConfigError(`invalid value for ${key}: ${JSON.stringify(value)} is not a whole number`);
  return Number(value);
}

const unquote = (v: string): string => {
  const t = v.trim();
  return (t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")) ? t.slice(1, -1) : t;
};
const stripComment = (line: string): string => line.replace(/\s+#.*$/, '').replace(/^#.*$/, '');

/**
 * Read a `.dive-ci` file (the YAML subset dive's files use: a `rules:` map of scalars; our
 * `forbidden-paths` also takes a list). Keys are dive's (`lowest-efficiency`, `highest-wasted-bytes`,
 * `highest-user-wasted-percent`) and ours (`max-size`, `max-layers`, `forbidden-paths`, `no-secrets`).
 */
export function parseCiConfig(text: string): CiRules {
  const values = new Map<string, string | string[]>();
  let inRules = false;
  let listKey: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const raw = stripComment(lines[n]);
    if (raw.trim() === '') continue;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (indent === 0) {
      listKey = undefined;
      if (line !== 'rules:') throw new CiConfigError(`line ${n + 1}: unknown key ${JSON.stringify(line.replace(/:.*$/, ''))} (only "rules" is known)`);
      inRules = true;
      continue;
    }
    if (!inRules) throw new CiConfigError(`line ${n + 1}: expected "rules:" first`);
    if (line.startsWith('- ')) {
      const list = listKey === undefined ? undefined : values.get(listKey);
      if (!Array.isArray(list)) throw new CiConfigError(`line ${n + 1}: a list item outside of a list`);
      list.push(unquote(line.slice(2)));
      continue;
    }
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) throw new CiConfigError(`line ${n + 1}: expected "key: value", got ${JSON.stringify(line)}`);
    const [, key, rest] = m;
    if (values.has(key)) throw new CiConfigError(`line ${n + 1}: ${key} is set twice`);
    if (rest === '') {
      values.set(key, []);
      listKey = key;
    } else if (rest.startsWith('[') && rest.endsWith(']')) {
      values.set(key, rest.slice(1, -1).split(',').map(unquote).filter((s) => s !== ''));
    } else values.set(key, unquote(rest));
  }
  const known = ['lowest-efficiency', 'highest-wasted-bytes', 'highest-user-wasted-percent', 'max-size', 'max-layers', 'forbidden-paths', 'no-secrets'];
  for (const k of values.keys()) if (!known.includes(k)) throw new CiConfigError(`unknown rule ${JSON.stringify(k)} (known: ${known.join(', ')})`);
  const scalar = (k: string, fallback?: string): string | undefined => {
    const v = values.get(k) ?? fallback;
    if (Array.isArray(v)) throw new CiConfigError(`${k} takes one value, not a list`);
    return v === undefined || v === 'disabled' ? undefined : v;
  };
  const rules: CiRules = { forbiddenPaths: [], noSecrets: false };
  const eff = scalar('lowest-efficiency', DIVE_DEFAULTS.lowestEfficiency);
  if (eff !== undefined) rules.lowestEfficiency = parseFraction('lowest-efficiency', eff);
  const wasted = scalar('highest-wasted-bytes', DIVE_DEFAULTS.highestWastedBytes);
  if (wasted !== undefined) rules.highestWastedBytes = parseBytes(wasted);
  const pct = scalar('highest-user-wasted-percent', DIVE_DEFAULTS.highestUserWastedPercent);
  if (pct !== undefined) rules.highestUserWastedPercent = parseFraction('highest-user-wasted-percent', pct);
  const size = scalar('max-size');
  if (size !== undefined) rules.maxSize = parseBytes(size);
  const layers = scalar('max-layers');
  if (layers !== undefined) rules.maxLayers = parseCount('max-layers', layers);
  const forbidden = values.get('forbidden-paths');
  if (forbidden !== undefined) rules.forbiddenPaths = Array.isArray(forbidden) ? forbidden : [forbidden];
  const secrets = scalar('no-secrets');
  if (secrets !== undefined) {
    if (secrets !== 'true' && secrets !== 'false') throw new CiConfigError(`invalid value for no-secrets: ${JSON.stringify(secrets)} (true or false)`);
    rules.noSecrets = secrets === 'true';
  }
  return rules;
}

/** One rule's verdict. */
export interface RuleResult {
  rule: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
  message?: string;
}

/** `dir/**` and `*.pem`-style patterns against image paths (no leading slash). */
function pathMatcher(pattern: string): (path: string) => boolean {
  const p = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  const re = new RegExp(
    `^${p
      .split('**')
      .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
      .join('.*')}(/.*)?$`,
  );
  return (path) => re.test(path);
}

/** Go's %v of a float64 (shortest form, exponent for very small or large numbers). */
const goFloat = (n: number): string => (Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : String(n).replace(/e([+-])(\d)$/, 'e$10$2'));

/** Evaluate the rules on an analysis, with dive's messages for dive's rules. */
export function evaluateCi(doc: Pick<ImageAnalysisDocument, 'summary' | 'report'>, rules: CiRules): RuleResult[] {
  const out: RuleResult[] = [];
  const summary = doc.summary;
  const d = summary.dive;
  if (rules.lowestEfficiency === undefined) out.push({ rule: 'lowestEfficiency', status: 'SKIP' });
  else if (rules.lowestEfficiency > d.efficiency)
    out.push({ rule: 'lowestEfficiency', status: 'FAIL', message: `image efficiency is too low (efficiency=${goFloat(d.efficiency)} < threshold=${goFloat(rules.lowestEfficiency)})` });
  else out.push({ rule: 'lowestEfficiency', status: 'PASS' });
  if (rules.highestWastedBytes === undefined) out.push({ rule: 'highestWastedBytes', status: 'SKIP' });
  else if (d.wastedBytes > rules.highestWastedBytes)
    out.push({ rule: 'highestWastedBytes', status: 'FAIL', message: `too many bytes wasted (wasted-bytes=${d.wastedBytes} > threshold=${rules.highestWastedBytes})` });
  else out.push({ rule: 'highestWastedBytes', status: 'PASS' });
  // dive divides by zero when there is no user layer: +Inf fails any threshold, NaN (0/0) passes.
  const pct = d.wastedUserPercent ?? (d.wastedBytes > 0 ? Infinity : NaN);
  if (rules.highestUserWastedPercent === undefined) out.push({ rule: 'highestUserWastedPercent', status: 'SKIP' });
  else if (rules.highestUserWastedPercent < pct)
    out.push({
      rule: 'highestUserWastedPercent',
      status: 'FAIL',
      message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${pct === Infinity ? '+Inf' : goFloat(pct)} > threshold=${goFloat(rules.highestUserWastedPercent)})`,
    });
  else out.push({ rule: 'highestUserWastedPercent', status: 'PASS' });
  if (rules.maxSize !== undefined) {
    const size = summary.honest.imageSize;
    out.push(size > rules.maxSize ? { rule: 'maxSize', status: 'FAIL', message: `image is too big (size=${size} > threshold=${rules.maxSize})` } : { rule: 'maxSize', status: 'PASS' });
  }
  if (rules.maxLayers !== undefined) {
    const n = summary.layers.length;
    out.push(n > rules.maxLayers ? { rule: 'maxLayers', status: 'FAIL', message: `too many layers (layers=${n} > threshold=${rules.maxLayers})` } : { rule: 'maxLayers', status: 'PASS' });
  }
  if (rules.forbiddenPaths.length > 0) {
    const matchers = rules.forbiddenPaths.map((p) => ({ p, m: pathMatcher(p) }));
    const hits: string[] = [];
    // Only this rule needs every change: the whole report is read for it alone.
    for (const l of doc.report().layers)
      for (const c of l.changes) {
        if (c.change === 'removed') continue;
        const hit = matchers.find((x) => x.m(c.path));
        if (hit) hits.push(`/${c.path} (layer ${l.index}, matches ${hit.p})`);
      }
    out.push(hits.length ? { rule: 'forbiddenPaths', status: 'FAIL', message: `forbidden paths shipped: ${hits.join(', ')}` } : { rule: 'forbiddenPaths', status: 'PASS' });
  }
  if (rules.noSecrets) {
    const s = summary.secrets;
    out.push(
      s.length
        ? { rule: 'noSecrets', status: 'FAIL', message: `secret-looking files shipped: ${s.map((x) => `/${x.path} (layer ${x.layer}${x.visible ? '' : ', deleted later but still in the layer'})`).join(', ')}` }
        : { rule: 'noSecrets', status: 'PASS' },
    );
  }
  return out;
}
