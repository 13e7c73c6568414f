// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Reads a project's coverage reports (LCOV, Cobertura XML, Istanbul json-summary or coverage-final) and fails when a threshold or per-glob rule is not met.
 */
export interface CoverageExecutorOptions {
  /**
   * Report files, relative to the workspace root. `{projectRoot}` is replaced. The format is detected from the name (*.info → LCOV, *.xml → Cobertura, coverage-summary.json → Istanbul summary, other *.json → Istanbul coverage-final) unless `format` is set.
   *
   * @minItems 1
   */
  reports: string[];
  /**
   * Force one report format for every report.
   */
  format?: 'lcov' | 'cobertura' | 'istanbul-summary' | 'istanbul-final';
  /**
   * Project-wide minimum percentages. A metric left out is not gated; a threshold on a metric the report does not measure fails the gate unless that metric is in notMeasured.
   */
  thresholds?: {
    /**
     * Minimum line coverage, percent.
     */
    lines?: number;
    /**
     * Minimum branch coverage, percent.
     */
    branches?: number;
    /**
     * Minimum function coverage, percent.
     */
    functions?: number;
  };
  /**
   * Per-file rules: every covered file matching `include` must meet the rule's thresholds. A rule that matches no covered file fails the gate.
   */
  rules?: {
    /**
     * Label for the output, e.g. "risk management".
     */
    name?: string;
    /**
     * Repository-relative glob or globs (picomatch).
     */
    include: string | string[];
    /**
     * Minimum line coverage per file, percent.
     */
    lines?: number;
    /**
     * Minimum branch coverage per file, percent.
     */
    branches?: number;
    /**
     * Minimum function coverage per file, percent.
     */
    functions?: number;
  }[];
  /**
   * The explicit opt-out for metrics this project's report does not measure (Cobertura from pytest-cov has no functions; llvm-cov on stable Rust has no branches): their thresholds are shown as "not measured" instead of failing the gate. A listed metric the report does measure is still gated.
   */
  notMeasured?: ('branches' | 'functions')[];
  /**
   * Where coverage-gate.json and coverage-gate.md are written, relative to the workspace root. Defaults to the first report's folder.
   */
  outputDir?: string;
  /**
   * The target that writes the reports, named in the error when a report is missing.
   */
  producedBy?: string;
  /**
   * Patch coverage: gate the lines changed since this commit or ref (its merge base with HEAD, plus uncommitted changes), like diff-cover or Codecov's patch status. Default: $NX_BASE when set (CI sets it with nrwl/nx-set-shas), else no patch gate. Needs per-line reports (LCOV, Cobertura; beside an Istanbul summary, its lcov.info).
   */
  patchBase?: string;
  /**
   * Minimum coverage of the changed executable lines, percent.
   */
  patchThreshold?: number;
}
