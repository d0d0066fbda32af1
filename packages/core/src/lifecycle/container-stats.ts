/**
 * `GET /containers/{id}/stats` as dockerd 20.10 writes it (cgroup v1 fields; v2 hosts fill the same
 * names). Field names are Docker's JSON names, so the server passes the object through.
 */

/** CPU time in nanoseconds: the container's, the host's (`system_cpu_usage`), and its CPU count. */
export interface CpuStats {
  cpu_usage: {
    total_usage: number;
    /** cgroup v1 only (cpuacct.usage_percpu); absent on v2 as dockerd omits it. */
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface MemoryStats {
  usage?: number;
  max_usage?: number;
  /** memory.stat as the kernel lists it (`cache`, `rss`, `total_inactive_file`, ... on v1; `anon`, `file`, `inactive_file`, ... on v2). */
  stats?: Record<string, number>;
  /** The cgroup's limit, or the host's memory when the cgroup has none (as dockerd reports it). */
  limit?: number;
}

/** One blkio counter: `op` is `Read`, `Write`, `Sync`, `Async`, `Discard`, `Total` on v1, `read`/`write` on v2. */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface BlkioStats {
  io_service_bytes_recursive: BlkioEntry[] | null;
  io_serviced_recursive: BlkioEntry[] | null;
  io_queue_recursive: BlkioEntry[] | null;
  io_service_time_recursive: BlkioEntry[] | null;
  io_wait_time_recursive: BlkioEntry[] | null;
  io_merged_recursive: BlkioEntry[] | null;
  io_time_recursive: BlkioEntry[] | null;
  sectors_recursive: BlkioEntry[] | null;
}

/** Counters of one network interface inside the container (`eth0`). */
export interface NetworkStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** What the Runtime port's `stats` reads from a running container's cgroup and network namespace. */
export interface RuntimeStatsSample {
  pids_stats: { current?: number; limit?: number };
  blkio_stats: BlkioStats;
  cpu_stats: CpuStats;
  memory_stats: MemoryStats;
  /** Interfaces other than `lo`; absent when there are none (`--network none`), as dockerd omits it. */
  networks?: Record<string, NetworkStats>;
}

/** One stats frame as the API sends it. */
export interface ContainerStats extends RuntimeStatsSample {
  /** RFC 3339 with nanoseconds; Go's zero time when there is no sample. */
  read: string;
  preread: string;
  num_procs: number;
  storage_stats: Record<string, never>;
  precpu_stats: CpuStats;
  /** With the leading `/`. */
  name: string;
  id: string;
}

/** Go's zero `time.Time` as encoding/json writes it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** dockerd's empty blkio stats (every list null). */
export const emptyBlkioStats = (): BlkioStats => ({
  io_service_bytes_recursive: null,
  io_serviced_recursive: null,
  io_queue_recursive: null,
  io_service_time_recursive: null,
  io_wait_time_recursive: null,
  io_merged_recursive: null,
  io_time_recursive: null,
  sectors_recursive: null,
});

/** dockerd's empty CPU stats (a first streamed frame's `precpu_stats`, a stopped container's frame). */
export const emptyCpuStats = (): CpuStats => ({
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
});

/** The frame dockerd answers for a container that is not running: names and zeros. */
export function emptyContainerStats(id: string, name: string): ContainerStats {
  return {
    read: GO_ZERO_TIME,
    preread: GO_ZERO_TIME,
    pids_stats: {},
    blkio_stats: emptyBlkioStats(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpuStats(),
    precpu_stats: emptyCpuStats(),
    memory_stats: {},
    name,
    id,
  };
}
