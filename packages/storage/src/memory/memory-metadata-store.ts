import { StrataError, type MetadataStore } from '@strata/core';
import { checkNamespace, encodeRecordKey } from '../metadata/record-key.js';

/**
 * MetadataStore in memory, for tests. Values are kept as JSON text, so what comes back is a
 * copy shaped exactly as FsMetadataStore would return it (undefined fields dropped, no aliasing).
 */
export class MemoryMetadataStore implements MetadataStore {
  private readonly namespaces = new Map<string, Map<string, string>>();
  private readonly byteRecords = new Map<string, Uint8Array>();

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

  async getBytes(namespace: string, key: string): Promise<Uint8Array | undefined> {
    checkKey(namespace, key);
    const bytes = this.byteRecords.get(`${namespace}/${key}`);
    return bytes && bytes.slice();
  }

  async putBytes(namespace: string, key: string, parts: readonly Uint8Array[]): Promise<void> {
    checkKey(namespace, key);
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) (bytes.set(p, at), (at += p.byteLength));
    this.byteRecords.set(`${namespace}/${key}`, bytes);
  }

  async deleteBytes(namespace: string, key: string): Promise<void> {
    checkKey(namespace, key);
    this.byteRecords.delete(`${namespace}/${key}`);
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
