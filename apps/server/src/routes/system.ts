import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { EngineEvent, VersionInfo } from '@strata/core';
import { apiVersion, minApiVersion } from '../apiVersion.js';
import { parseEventTime } from '../eventTime.js';
import { parseFilters } from '../filters.js';
import type { RouteContext } from '../routeContext.js';
import { strataVersion } from '../strataVersion.js';

const encoder = new TextEncoder();

/** The storage driver name `docker info` shows: ours, not overlay2. */
export const storageDriverName = 'strata';

/** A stable daemon ID in dockerd's `XXXX:XXXX:...` form, derived from host name and data root. */
function daemonId(hostname: string, dataRoot: string): string {
  const hex = createHash('sha256').update(`${hostname}\0${dataRoot}`).digest('hex').toUpperCase();
  return (hex.slice(0, 48).match(/.{4}/g) ?? []).join(':');
}

function versionInfo(ctx: RouteContext): VersionInfo {
  const { host } = ctx;
  const details = {
    ApiVersion: apiVersion,
    Arch: host.arch,
    BuildTime: '',
    Experimental: 'false',
    GitCommit: '',
    GoVersion: `node ${process.version}`,
    KernelVersion: host.kernelVersion,
    MinAPIVersion: minApiVersion,
    Os: 'linux',
  };
  // dockerd lists its runtime as a component too (`runc 1.1.5`).
  const runtimeComponents = Object.entries(ctx.runtimes).map(([name, r]) => ({ Name: name, Version: r.version ?? '', Details: { GitCommit: '' } }));
  return {
    Platform: { Name: 'Strata' },
    Components: [{ Name: 'Engine', Version: strataVersion, Details: details }, ...runtimeComponents],
    Version: strataVersion,
    ApiVersion: apiVersion,
    MinAPIVersion: minApiVersion,
    GitCommit: '',
    GoVersion: details.GoVersion,
    Os: 'linux',
    Arch: host.arch,
    KernelVersion: host.kernelVersion,
    BuildTime: '',
  };
}

const pingHeaders = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  'Content-Type': 'text/plain; charset=utf-8',
  Pragma: 'no-cache',
};

/** `/_ping`, `/version`, `/info`, `/system/df` and the `/events` stream. */
export function systemRoutes(ctx: RouteContext): Hono {
  const app = new Hono();

  // Hono serves HEAD through this GET route. A HEAD answer says `Content-Length: 0` as dockerd's
  // does; without a length Node's server spends several times a whole ping on the response.
  app.get('/_ping', (c) =>
    c.req.method === 'HEAD'
      ? new Response(null, { status: 200, headers: { ...pingHeaders, 'Content-Length': '0' } })
      : new Response('OK', { status: 200, headers: pingHeaders }),
  );

  app.get('/version', (c) => c.json(versionInfo(ctx)));

  app.get('/info', async (c) => {
    const images = await ctx.engine.listImages({ all: true });
    const containers = (await ctx.containers?.listContainers({ all: true })) ?? [];
    const inState = (...states: string[]) => containers.filter((k) => states.includes(k.State)).length;
    const { host } = ctx;
    return c.json({
      ID: daemonId(host.hostname, ctx.dataRoot),
      Containers: containers.length,
      ContainersRunning: inState('running', 'restarting'),
      ContainersPaused: inState('paused'),
      ContainersStopped: containers.length - inState('running', 'restarting', 'paused'),
      Images: images.length,
      Driver: storageDriverName,
      DriverStatus: [['Image Layout', 'OCI'], ['Data Root', ctx.dataRoot]],
      Plugins: { Volume: ['local'], Network: ['null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: false,
      SwapLimit: false,
      KernelMemory: false,
      KernelMemoryTCP: false,
      CpuCfsPeriod: false,
      CpuCfsQuota: false,
      CPUShares: false,
      CPUSet: false,
      PidsLimit: false,
      IPv4Forwarding: false,
      BridgeNfIptables: false,
      BridgeNfIp6tables: false,
      Debug: ctx.debug,
      NFd: 0,
      OomKillDisable: false,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: host.cgroupVersion === '2' ? 'systemd' : 'cgroupfs',
      CgroupVersion: host.cgroupVersion,
      NEventsListener: ctx.eventListeners.count,
      KernelVersion: host.kernelVersion,
      OperatingSystem: host.operatingSystem,
      OSVersion: host.osVersion,
      OSType: 'linux',
      Architecture: host.machine,
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: [],
        AllowNondistributableArtifactsHostnames: [],
        InsecureRegistryCIDRs: ['127.0.0.0/8'],
        IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
        Mirrors: [],
      },
      NCPU: host.ncpu,
      MemTotal: host.memTotal,
      GenericResources: null,
      DockerRootDir: ctx.dataRoot,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: host.hostname,
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: strataVersion,
      Runtimes: Object.fromEntries(Object.entries(ctx.runtimes).map(([name, r]) => [name, { path: r.path }])),
      DefaultRuntime: ctx.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: false,
      Isolation: '',
      InitBinary: '',
      ContainerdCommit: { ID: '', Expected: '' },
      RuncCommit: { ID: '', Expected: '' },
      InitCommit: { ID: '', Expected: '' },
      // Every container that is neither --privileged nor seccomp=unconfined gets Docker's default profile.
      SecurityOptions: ['name=seccomp,profile=default'],
      Warnings: null,
    });
  });

  app.get('/system/df', async (c) => c.json(await ctx.engine.diskUsage()));

  app.get('/events', (c) => {
    const since = parseEventTime('since', c.req.query('since'));
    const until = parseEventTime('until', c.req.query('until'));
    const filters = parseFilters(c.req.query('filters'));
    const abort = new AbortController();
    const nowSeconds = Date.now() / 1000;
    // A future `until` means: live events until then (dockerd waits); a past one: history only.
    const live = until === undefined || until > nowSeconds;
    // Neither since nor until: dockerd sends only what happens from now on, no history.
    const newOnly = since === undefined && until === undefined;
    const subscribedNano = Date.now() * 1e6;
    const events = ctx.engine.events({
      since: newOnly ? Math.floor(nowSeconds) : since,
      until: live ? undefined : until,
      filters,
      signal: abort.signal,
    });
    const iterator = events[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    let open = true;

    const stop = () => {
      if (!open) return;
      open = false;
      ctx.eventListeners.count--;
      if (timer) clearTimeout(timer);
      abort.abort();
      void iterator.return?.().catch(() => undefined);
    };

    ctx.eventListeners.count++;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const close = () => {
          if (!open) return;
          stop();
          try {
            controller.close();
          } catch {
            // already closed by the client going away
          }
        };
        if (until !== undefined && live) timer = setTimeout(close, Math.max(0, (until - nowSeconds) * 1000));
        void (async () => {
          try {
            while (open) {
              const next = await iterator.next();
              if (next.done || !open) break;
              const event: EngineEvent = next.value;
              if (until !== undefined && event.time > until) break;
              if (newOnly && event.timeNano < subscribedNano) continue;
              controller.enqueue(encoder.encode(JSON.stringify(event) + '\n'));
            }
          } catch (err) {
            if (open && !abort.signal.aborted) {
              stop();
              controller.error(err);
              return;
            }
          }
          close();
        })();
      },
      cancel() {
        stop();
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
  });

  return app;
}
