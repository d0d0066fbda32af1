import { z } from 'zod';
import { invalid } from '../errors/index.js';

/** Limits for untrusted JSON documents (manifests, configs, archive metadata). */
export const JSON_LIMITS = { maxBytes: 8 * 1024 * 1024, maxDepth: 64 } as const;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parse untrusted JSON bytes: size and nesting depth are checked before JSON.parse so hostile
 * documents (megabytes of `[`) fail fast with a clear message instead of exhausting the stack.
 */
export function parseUntrustedJson(bytes: Uint8Array, what: string): unknown {
  if (bytes.byteLength > JSON_LIMITS.maxBytes) throw invalid(`${what}: document too large (${bytes.byteLength} bytes)`);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw invalid(`${what}: not valid UTF-8`);
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > JSON_LIMITS.maxDepth) throw invalid(`${what}: JSON nested deeper than ${JSON_LIMITS.maxDepth} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid(`${what}: invalid JSON: ${(e as Error).message}`);
  }
}

/** Validate a parsed value with a zod schema; the error names the document and the first bad field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
  throw invalid(`${what}: ${issue?.message ?? 'invalid document'}${at}`);
}

/** Parse and validate untrusted JSON bytes in one step. */
export const parseJsonDocument = <T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T =>
  validate(schema, parseUntrustedJson(bytes, what), what);
