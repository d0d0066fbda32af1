/** One entry of a distribution error document (`{"errors":[{"code","message","detail"}]}`). */
export interface RegistryErrorEntry {
  code: string;
  message: string;
}

/** The entries of an error body, or none when it is not a distribution error document. */
export function registryErrorsOf(body: Uint8Array): RegistryErrorEntry[] {
  try {
    const doc = JSON.parse(new TextDecoder().decode(body)) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors
      .filter((e) => typeof e?.code === 'string')
      .map((e) => ({ code: e.code as string, message: typeof e.message === 'string' ? e.message : '' }));
  } catch {
    return [];
  }
}

/** errcode's wording: `manifest unknown: manifest unknown` (the code lower-cased, then the registry's message). */
export function errcodeText(entries: RegistryErrorEntry[]): string {
  const one = (e: RegistryErrorEntry) => `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message || e.code.toLowerCase().replace(/_/g, ' ')}`;
  if (entries.length === 1) return one(entries[0]);
  return `errors:\n${entries.map((e) => `${one(e)}\n`).join('')}`;
}

const statusTexts: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Go's `http.Response.Status` text, `404 Not Found`. */
export const statusLine = (status: number): string => `${status} ${statusTexts[status] ?? ''}`.trimEnd();
