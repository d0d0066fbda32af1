import { request } from 'node:http';
import { type ImageAnalysisDocument, type ImageInsightReport, StrataError, summaryOf } from '@strata/core';

/** Where stratad serves Strata's own API (see apps/server/src/routes/insight.ts). */
const STRATA_PREFIX = '/_strata';

const kindOfStatus = (status: number) => (status === 404 ? 'not-found' : status === 400 ? 'invalid' : status === 409 ? 'conflict' : 'internal');

/**
 * The analysis of an image as the stratad that owns a data root serves it
 * (`GET /_strata/images/{name}/analysis` on its unix socket): the same document the embedded
 * engine gives, so the TUI and `strata analyze` show the same thing in both modes.
 */
export async function fetchAnalysis(socketPath: string, name: string, options: { top?: number; base?: string } = {}): Promise<ImageAnalysisDocument> {
  const query = new URLSearchParams();
  if (options.top !== undefined) query.set('top', String(options.top));
  if (options.base !== undefined) query.set('base', options.base);
  const path = `${STRATA_PREFIX}/images/${encodeURIComponent(name)}/analysis${query.size ? `?${query}` : ''}`;
  const { status, body } = await new Promise<{ status: number; body: Uint8Array }>((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', reject);
    });
    req.on('error', (e) => reject(new StrataError('unavailable', `cannot reach stratad on unix://${socketPath}: ${e.message}`)));
    req.end();
  });
  const text = new TextDecoder().decode(body);
  if (status !== 200) {
    let message = text.trim();
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // Not Docker's error body: the raw text says what happened.
    }
    throw new StrataError(kindOfStatus(status), message);
  }
  const report = JSON.parse(text) as ImageInsightReport;
  return { summary: summaryOf(report, options.top ?? 20), json: [body], report: () => report };
}
