#!/usr/bin/env node
import { apiVersion } from './apiVersion.js';
import { startDaemon } from './daemon.js';
import { defaultStrataDataRoot } from './dataRootEngine.js';
import { daemonUsage, parseDaemonFlags } from './daemonFlags.js';
import { strataVersion } from './strataVersion.js';

// libuv's pool runs every file operation, and also the blocking calls made through koffi (waitpid of a
// starting conmon, an overlay's unmount): 4 threads queue behind a slow one; the pool starts on first use.
process.env.UV_THREADPOOL_SIZE ??= '16';

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseDaemonFlags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`stratad: ${(e as Error).message}\nSee 'stratad --help'.\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(daemonUsage(defaultStrataDataRoot()));
    return;
  }
  if (flags.version) {
    process.stdout.write(`Strata version ${strataVersion}, API ${apiVersion}\n`);
    return;
  }

  const daemon = await startDaemon({
    dataRoot: flags.dataRoot,
    hosts: flags.hosts,
    pidfile: flags.pidfile,
    debug: flags.debug,
    registry: { insecureRegistries: flags.insecureRegistries, registryMirrors: flags.registryMirrors },
    ip: flags.ip,
    ...(flags.bridge ? { bridge: flags.bridge } : {}),
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (flags.debug) process.stderr.write(`stratad: ${signal}, shutting down\n`);
    daemon.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`stratad: shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const lines = daemon.addresses.map((a) => `stratad listening on ${a}`);
  lines.push(`data root: ${daemon.dataRoot}`);
  lines.push('point the docker CLI at it with:');
  lines.push(`  export DOCKER_HOST=${daemon.addresses[0]}`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`stratad: ${(e as Error).message}\n`);
  process.exit(1);
});
