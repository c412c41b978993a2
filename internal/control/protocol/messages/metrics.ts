/** The daemon's metrics in the Prometheus text format (what `gt metrics` prints). */
export const METRICS = 'metrics' as const;

export interface MetricsRequest {
  method: typeof METRICS;
}

export interface MetricsResult {
  content_type: string;
  text: string;
}

export function isMetricsRequest(m: { method: string }): m is MetricsRequest {
  return m.method === METRICS;
}

export function isMetricsResult(x: unknown): x is MetricsResult {
  const r = x as MetricsResult;
  return !!r && typeof r === 'object' && typeof r.content_type === 'string' && typeof r.text === 'string';
}
