import type { Digest, Hasher } from '../digest/index.js';
import { sha256Of } from '../digest/index.js';
import { invalid } from '../errors/index.js';
import { parseJsonDocument } from './json.js';
import { type HistoryItem, type ImageConfig, imageConfigSchema } from './schemas.js';

/** An image config as stored: the exact bytes (whose digest is the image ID) and their parse. */
export interface ConfigBlob {
  id: Digest;
  bytes: Uint8Array;
  config: ImageConfig;
}

/** Parse untrusted config bytes; the image ID is the digest of the bytes, never of re-serialised JSON. */
export function parseImageConfig(bytes: Uint8Array, hasher: Hasher): ConfigBlob {
  const config = parseJsonDocument(imageConfigSchema, bytes, 'image config');
  const layersInHistory = (config.history ?? []).filter((h) => !h.empty_layer).length;
  if (config.history && config.history.length > 0 && layersInHistory !== config.rootfs.diff_ids.length) {
    // Docker tolerates this on load; we do too, but only when history is absent or consistent.
    if (layersInHistory > config.rootfs.diff_ids.length) {
      throw invalid('image config: history lists more layers than rootfs.diff_ids');
    }
  }
  return { id: sha256Of(hasher, bytes), bytes, config };
}

/** Docker's container config field order (Go struct order of container.Config). */
const CONFIG_FIELDS: Array<[string, unknown, boolean]> = [
  // [name, zero value, omitempty]
  ['Hostname', '', false],
  ['Domainname', '', false],
  ['User', '', false],
  ['AttachStdin', false, false],
  ['AttachStdout', false, false],
  ['AttachStderr', false, false],
  ['ExposedPorts', undefined, true],
  ['Tty', false, false],
  ['OpenStdin', false, false],
  ['StdinOnce', false, false],
  ['Env', null, false],
  ['Cmd', null, false],
  ['Healthcheck', undefined, true],
  ['ArgsEscaped', undefined, true],
  ['Image', '', false],
  ['Volumes', null, false],
  ['WorkingDir', '', false],
  ['Entrypoint', null, false],
  ['NetworkDisabled', undefined, true],
  ['MacAddress', undefined, true],
  ['OnBuild', null, false],
  ['Labels', null, false],
  ['StopSignal', undefined, true],
  ['StopTimeout', undefined, true],
  ['Shell', undefined, true],
];

/**
 * A container config as `docker image inspect` prints it: Docker's field order, zero values
 * for absent fields, omitempty fields left out when empty. Unknown fields are dropped as Docker does.
 */
export function dockerContainerConfig(c: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const src = c ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, zero, omitEmpty] of CONFIG_FIELDS) {
    const v = src[name];
    const empty = v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0);
    if (omitEmpty) {
      if (!empty && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)) out[name] = v;
    } else out[name] = v === undefined ? zero : v;
  }
  return out;
}

/** The history entries that produced a layer, paired with their diffIDs (others are empty_layer). */
export function historyWithLayers(config: ImageConfig): Array<{ history: HistoryItem; diffId?: Digest }> {
  const diffIds = config.rootfs.diff_ids;
  const history = config.history && config.history.length > 0 ? config.history : diffIds.map(() => ({}) as HistoryItem);
  let k = 0;
  return history.map((h) => (h.empty_layer ? { history: h } : { history: h, diffId: diffIds[k++] }));
}
