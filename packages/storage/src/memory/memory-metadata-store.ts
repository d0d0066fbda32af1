import { StrataError, type MetadataStore } from '@strata/core';
import { checkNamespace, encodeRecordKey } from '../metadata/record-key.js';

/**
 * MetadataStore in memory, for tests. Values are kept as JSON text, so what comes back is a
 * copy shaped exactly as FsMetadataStore would return it (undefined fields dropped, no aliasing).
 */
export class MemoryMetadataStore implements MetadataStore {
  private readonly namespaces = new Map<string, Map<string, string>>();

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    checkKey(namespace, key);
    const text = this.namespaces.get(namespace)?.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async put<T>(namespace: string, key: string, value: T): Promise<void> {
    checkKey(namespace, key);
    const text = JSON.stringify(value);
    if (text === undefined) throw new StrataError('invalid', `metadata record ${namespace}/${key} is not JSON-serialisable`);
    let records = this.namespaces.get(namespace);
    if (!records) this.namespaces.set(namespace, (records = new Map()));
    records.set(key, text);
  }

  async delete(namespace: string, key: string): Promise<void> {
    checkKey(namespace, key);
    this.namespaces.get(namespace)?.delete(key);
  }

  async list<T>(namespace: string): Promise<Array<[string, T]>> {
    checkNamespace(namespace);
    return [...(this.namespaces.get(namespace) ?? [])].map(([k, text]) => [k, JSON.parse(text) as T]);
  }
}

/** The same key rules as the filesystem store, so a key that works in tests works on disk. */
function checkKey(namespace: string, key: string): void {
  checkNamespace(namespace);
  encodeRecordKey(key);
}
