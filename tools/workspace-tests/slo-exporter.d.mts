// Types of slo-exporter.mjs for the TypeScript specs that use it (tools/nx-plugin).
export interface Exporter {
  port: number;
  target(labels: Record<string, string>): void;
  set(mode: { errorRatio?: number; slowRatio?: number; slowSeconds?: number }): number;
  firstScrapeAfter(t: number): number | undefined;
  close(): Promise<void>;
}
export const PROMETHEUS_URL: string;
export function startExporter(options: { name: string; rps?: number; tickMs?: number }): Promise<Exporter>;
export function waitForSeries(matcher: string, timeoutMs?: number): Promise<void>;
