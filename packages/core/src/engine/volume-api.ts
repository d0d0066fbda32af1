import type { Filters } from './api.js';

/** A volume as `GET /volumes/{name}` shows it (keys in dockerd's order). */
export interface VolumeInfo {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
}

/** `POST /volumes/create` body. */
export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** The volume side of the engine (the daemon's `/volumes` routes and the TUI's Volumes panel). */
export interface VolumeEngine {
  /** An existing volume of that name is returned as it is, as dockerd does. */
  createVolume(body?: VolumeCreateBody): Promise<VolumeInfo>;
  listVolumes(options?: { filters?: Filters }): Promise<{ Volumes: VolumeInfo[]; Warnings: null }>;
  inspectVolume(name: string): Promise<VolumeInfo>;
  /** `conflict` (`remove NAME: volume is in use - [ids]`) while a container uses it; `force` ignores a missing volume. */
  removeVolume(name: string, options?: { force?: boolean }): Promise<void>;
  /** Remove every volume no container uses (API 1.41 semantics: named ones too). */
  pruneVolumes(options?: { filters?: Filters }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
  /** IDs of the containers that use the volume (their records name it). */
  volumeUsers(name: string): Promise<string[]>;
}
