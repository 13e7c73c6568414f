import type { Metric, ReportFormat } from './lib/model';
import type { Rule, Thresholds } from './lib/thresholds';

export interface CoverageExecutorOptions {
  reports: string[];
  format?: ReportFormat;
  thresholds?: Thresholds;
  rules?: Rule[];
  outputDir?: string;
  producedBy?: string;
  /** Metrics the project's report does not measure, gated without them (shown as "not measured"). */
  notMeasured?: Exclude<Metric, 'lines'>[];
  /** Gate the lines changed since this ref (default: $NX_BASE, else no patch gate). */
  patchBase?: string;
  patchThreshold?: number;
}
