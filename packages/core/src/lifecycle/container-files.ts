/** Kinds of filesystem objects a container's files can be. */
export type FileKind = 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** What `lstat` says about one file (symlinks are never followed). */
export interface FileStat {
  kind: FileKind;
  /** Permission bits with setuid, setgid and sticky (`st_mode & 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Modification time in nanoseconds since the epoch. */
  mtimeNs: bigint;
  /** Inode and link count: files sharing an inode are one hard link group. */
  ino: bigint;
  nlink: number;
  /** Device numbers of char and block devices (a 0/0 char device in an overlay upper dir is a whiteout). */
  rdevMajor: number;
  rdevMinor: number;
  /** A symlink's target as stored. */
  linkTarget?: string;
}

/** One child of a directory. */
export interface FileEntry {
  name: string;
  stat: FileStat;
}

/** One child of a directory by name and kind only (what the directory itself records). */
export interface FileName {
  name: string;
  kind: FileKind;
}

/**
 * A directory tree read without following symlinks. Paths are relative to the tree's root,
 * `/`-separated, without a leading `/`; `''` is the root itself.
 */
export interface FileTree {
  /** The file at `path`, or undefined when there is none. */
  lstat(path: string): Promise<FileStat | undefined>;
  /** The children of directory `path`, sorted by name (byte order, as Go's filepath.Walk). */
  list(path: string): Promise<FileEntry[]>;
  /**
   * The children `list` gives, by name and kind only (no stat per child: a diff needs the stat
   * only of paths that exist on both sides).
   */
  names?(path: string): Promise<FileName[]>;
  /** The bytes of regular file `path`. */
  read(path: string): ReadableStream<Uint8Array>;
  /** The whole of a small regular file at once (cheaper than a stream per file when thousands are read); `size`: what lstat said, saving a stat. */
  readBytes?(path: string, size?: number): Promise<Uint8Array>;
  /**
   * The extended attributes Docker carries (`security.capability`, `trusted.overlay.opaque`) of
   * the file at `path` (not followed), only those it has; with `only`, just those of them
   * (one lookup per name: a regular file in a layer tar carries only its capability).
   */
  xattrs(path: string, only?: readonly string[]): Promise<Record<string, Uint8Array>>;
}

/** How a tar is unpacked into a container (docker cp into a container). */
export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse (the CLI always asks for it). */
  noOverwriteDirNonDir: boolean;
}

/**
 * The files of one container as the runtime keeps them: its writable layer, the image layers
 * below it and the union the container sees.
 */
export interface ContainerFiles {
  /** The writable layer (an overlay upper dir): deletions are 0/0 char devices, opaque directories carry `trusted.overlay.opaque=y`. */
  upper: FileTree;
  /** The image's layers merged: what the container started from. */
  lower: FileTree;
  /** The container's root as the container sees it (without its mounts). */
  root: FileTree;
  /** The root as docker cp sees it: `root` with the container's volumes and bind mounts at their destinations (default: `root`). */
  mountedRoot?: FileTree;
  /** The host's name for a user or group ID ('' when it has none), as Go's archive/tar fills uname and gname. */
  userName(uid: number): string;
  groupName(gid: number): string;
  /**
   * Unpack a tar into `dir`, a directory of the root already resolved inside it (relative path).
   * Entries whose names or hard link targets leave `dir`, absolute names, and writes through
   * symlinks that would leave the root are refused; nothing is ever written outside the root.
   */
  extract(dir: string, tar: ReadableStream<Uint8Array>, options: ExtractOptions): Promise<void>;
}
