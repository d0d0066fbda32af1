import type { EnginePorts, Runtime } from '@strata/core';
import { createRuncRuntime } from '@strata/runtime';

/**
 * The runc runtime on this data root when runc and conmon can run containers here, else why
 * not. Without one the app still shows images and containers; starting one says what is missing.
 */
export async function containerRuntime(dataRoot: string, ports: EnginePorts): Promise<{ runtime?: Runtime; disabled?: string }> {
  const runtime = createRuncRuntime({ dataRoot, content: ports.content, codecs: ports.codecs, hasher: ports.hasher });
  const availability = await runtime.available();
  return availability.ok ? { runtime } : { disabled: availability.reason };
}
