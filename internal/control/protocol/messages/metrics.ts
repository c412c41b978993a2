import type { MethodSpec } from '../method.js';

/** The daemon's metrics in the Prometheus text format (what `gt metrics` prints). */
export interface MetricsResult {
  content_type: string;
  text: string;
}

export function isMetricsResult(x: unknown): x is MetricsResult {
  const r = x as MetricsResult;
  return !!r && typeof r === 'object' && typeof r.content_type === 'string' && typeof r.text === 'string';
}

export const METRICS: MethodSpec<'metrics', undefined, MetricsResult> = { name: 'metrics', isResult: isMetricsResult };
