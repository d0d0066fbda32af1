import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { TerminalSize } from '@strata/core';

/**
 * Resize the pty conmon holds, through the `ctl` FIFO in its bundle dir (`1 <rows> <cols>\n`).
 * Opened non-blocking: with conmon gone the open fails with ENXIO instead of hanging forever.
 */
export async function resizeTerminal(bundleDir: string, size: TerminalSize): Promise<void> {
  const height = Math.max(0, Math.floor(size.height));
  const width = Math.max(0, Math.floor(size.width));
  let handle;
  try {
    handle = await open(join(bundleDir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No monitor listening (the process has exited): nothing to resize.
    if (code === 'ENXIO' || code === 'ENOENT') return;
    throw e;
  }
  try {
    await handle.write(`1 ${height} ${width}\n`);
  } finally {
    await handle.close();
  }
}
