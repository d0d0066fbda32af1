import type { EngineContext } from './engine.js';
import { EventLog } from './events.js';
import { ImageStore } from './image-store.js';
import { analysisDocument } from './insight.js';
import type { ImageAnalysisDocument } from './insight-document.js';
import type { ImageInsightOptions } from './insight-report.js';
import type { EnginePorts } from './ports.js';
import { rfc3339Nano } from './time.js';

/**
 * The analysis of an image of the store without an engine: the same document as
 * `Engine.analysisDocument`, for a front end that only reads images (`strata analyze`). It
 * re-adopts no containers and names no networks, and a bundler can leave the container side of
 * the engine out of such a front end, which starts faster for it.
 */
export function storedAnalysisDocument(ports: EnginePorts, name: string, options?: ImageInsightOptions): Promise<ImageAnalysisDocument> {
  const ctx: EngineContext = { ports, store: new ImageStore(ports.content, ports.metadata), events: new EventLog(ports.clock), now: () => rfc3339Nano(ports.clock.now()) };
  return analysisDocument(ctx, name, options);
}
