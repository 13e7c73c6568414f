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
}
