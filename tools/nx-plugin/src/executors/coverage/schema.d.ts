import type { ReportFormat } from './lib/model';
import type { Rule, Thresholds } from './lib/thresholds';

export interface CoverageExecutorOptions {
  reports: string[];
  format?: ReportFormat;
  thresholds?: Thresholds;
  rules?: Rule[];
  outputDir?: string;
  producedBy?: string;
}
