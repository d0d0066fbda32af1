/**
 * The host's files as the app's work needs them (Node gives them in `cli/host-files.ts`; the
 * view models stay free of Node): archives to load, files to write, build contexts to pack.
 */
export interface HostFiles {
  /** A `docker save` archive (plain, gzip, bzip2 or xz) from a path. */
  openArchive(path: string): Promise<ReadableStream<Uint8Array>>;
  /** True when something is at `path`. */
  exists(path: string): Promise<boolean>;
  /** Writes `bytes` to `path` through a temporary file renamed into place; resolves with the bytes written. */
  writeFile(path: string, bytes: ReadableStream<Uint8Array>, mode?: number, signal?: AbortSignal): Promise<number>;
  /** The build context: the directory as a tar stream, `.dockerignore` applied (the Dockerfile always kept). */
  packContext(dir: string, dockerfile: string): Promise<ReadableStream<Uint8Array>>;
}
