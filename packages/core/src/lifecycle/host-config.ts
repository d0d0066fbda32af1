import { invalid } from '../errors/index.js';
import { type RestartPolicy, parseRestartPolicy } from './restart-policy.js';

/** The paths runc masks and makes read-only in every container, as dockerd reports them. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** dockerd's HostConfig with nothing set, keys in inspect order. */
function defaultHostConfig(): Record<string, unknown> {
  return {
    Binds: null, ContainerIDFile: '', LogConfig: { Type: 'json-file', Config: {} }, NetworkMode: 'default', PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '', VolumesFrom: null, CapAdd: null,
    CapDrop: null, CgroupnsMode: 'host', Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null, GroupAdd: null,
    IpcMode: 'private', Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '', Privileged: false, PublishAllPorts: false,
    ReadonlyRootfs: false, SecurityOpt: null, UTSMode: '', UsernsMode: '', ShmSize: 67108864, Runtime: 'runc',
    ConsoleSize: [0, 0], Isolation: '', CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0,
    BlkioWeightDevice: [], BlkioDeviceReadBps: [], BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [],
    CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '', Devices: [],
    DeviceCgroupRules: null, DeviceRequests: null, KernelMemory: 0, KernelMemoryTCP: 0, MemoryReservation: 0, MemorySwap: 0,
    MemorySwappiness: null, OomKillDisable: false, PidsLimit: null, Ulimits: [], CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0,
    IOMaximumBandwidth: 0, MaskedPaths: [...DEFAULT_MASKED_PATHS], ReadonlyPaths: [...DEFAULT_READONLY_PATHS],
  };
}

// Values the CLI sends to mean "unset" that dockerd replaces by its defaults.
const UNSET_MEANS_DEFAULT = new Set(['NetworkMode', 'CgroupnsMode', 'IpcMode', 'ShmSize', 'Runtime', 'MaskedPaths', 'ReadonlyPaths', 'Dns', 'DnsOptions', 'DnsSearch', 'Ulimits', 'Devices', 'PortBindings']);

/** The HostConfig a container keeps: the body's values over dockerd's defaults, validated. */
export function normalizeHostConfig(body: unknown): Record<string, unknown> {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw invalid('HostConfig must be an object');
  const given = (body ?? {}) as Record<string, unknown>;
  const out = defaultHostConfig();
  for (const [k, v] of Object.entries(given)) {
    const unset = v === null || v === '' || v === 0 || (Array.isArray(v) && v.length === 0);
    if (unset && UNSET_MEANS_DEFAULT.has(k)) continue;
    if (k === 'MemorySwappiness' && v === -1) continue;
    // dockerd stores an unlimited PidsLimit (0 or -1) as null.
    if (k === 'PidsLimit' && typeof v === 'number' && v <= 0) continue;
    out[k] = v;
  }
  const log = given.LogConfig as { Type?: string; Config?: Record<string, string> } | undefined;
  out.LogConfig = { Type: log?.Type || 'json-file', Config: log?.Config ?? {} };
  const policy = parseRestartPolicy(given.RestartPolicy);
  out.RestartPolicy = policy;
  out.AutoRemove = given.AutoRemove === true;
  if (out.AutoRemove && policy.Name !== 'no') throw invalid("can't create 'AutoRemove' container with restart policy");
  return out;
}

/** The restart policy of a kept HostConfig. */
export const restartPolicyOf = (hostConfig: Record<string, unknown>): RestartPolicy => parseRestartPolicy(hostConfig.RestartPolicy);

/** Docker's `--init` (`HostConfig.Init`). */
export const initOf = (hostConfig: Record<string, unknown>): boolean => hostConfig.Init === true;
