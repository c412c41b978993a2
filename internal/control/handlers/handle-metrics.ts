import type { Handler } from '../server.js';
import type { MetricsResult } from '../protocol/messages/metrics.js';

/** `metrics`: the exposition text, produced by the daemon's metrics registry. */
export function handleMetrics(metrics: { text(): Promise<string>; contentType: string }): Handler {
  return async (): Promise<MetricsResult> => ({ content_type: metrics.contentType, text: await metrics.text() });
}
