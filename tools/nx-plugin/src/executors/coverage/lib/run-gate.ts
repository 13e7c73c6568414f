import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withSchemaDefaults } from '../../options';
import type { CoverageExecutorOptions } from '../schema';
import schema from '../schema.json';
import { detectFormat as detectFormatOf, hasLineDetail, loadReport } from './load-report';
import { type FileCoverage, METRICS, type ReportFormat, ReportError, impossibleCounter, mergeFile, uniteFiles } from './model';
import { changedLines } from './changed-lines';
import { type PatchResult, evaluatePatch, lineRanges } from './patch';
import { failureLines, renderMarkdown, renderTable } from './render';
import { resolveReportPaths } from './resolve-paths';
import { type Evaluation, evaluateThresholds } from './thresholds';

export interface GateContext {
  workspaceRoot: string;
  projectName: string;
  projectRoot: string;
  log: (message: string) => void;
  error: (message: string) => void;
  stepSummaryFile?: string;
}

/** Dependencies compiled into a test binary (cargo) are reported too; each project gates its own. */
function ownedBy(path: string, projectRoot: string): boolean {
  return projectRoot === '.' || path === projectRoot || path.startsWith(`${projectRoot}/`);
}

function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/**
 * Files reported more than once become one entry. Where every report of such a file carries per-line
 * detail (LCOV, Cobertura), those reports are read again keeping the detail of just those files (the
 * first pass streams, holding one file's lines at a time), and the file's lines and branches are
 * united; otherwise the better of the counts is kept (mergeFile). Returns the problems found.
 */
async function uniteDuplicates(
  entries: Map<string, Array<{ report: string; format: ReportFormat; file: FileCoverage }>>,
  workspaceRoot: string,
  format: ReportFormat | undefined,
): Promise<string[]> {
  const duplicated = [...entries].filter(([, list]) => list.length > 1);
  if (duplicated.length === 0) return [];
  const wanted = new Map<string, Set<string>>(); // report -> the paths it writes for duplicated files
  for (const [, list] of duplicated) {
    if (!list.every((e) => hasLineDetail(e.format))) continue;
    for (const { report, file } of list) wanted.set(report, (wanted.get(report) ?? new Set()).add(file.reportedAs ?? file.path));
  }
  const detail = new Map<string, FileCoverage[]>(); // report -> its duplicated files with per-line detail
  for (const [report, paths] of wanted) {
    const parsed = await loadReport(join(workspaceRoot, report), report, format, (p) => paths.has(p));
    detail.set(
      report,
      parsed.files.filter((f) => f.lineHits),
    );
  }
  const problems: string[] = [];
  for (const [path, list] of duplicated) {
    // Each occurrence takes the next unused detailed record its report wrote under the same path.
    const parts = list.map(({ report, file }) => {
      const records = detail.get(report) ?? [];
      const at = records.findIndex((d) => d.path === (file.reportedAs ?? file.path));
      return at < 0 ? file : records.splice(at, 1)[0];
    });
    const merged = parts.every((p) => p.lineHits && p.lineHits.size > 0)
      ? uniteFiles(path, parts)
      : list.slice(1).reduce<FileCoverage | string>((acc, e) => (typeof acc === 'string' ? acc : mergeFile(acc, e.file)), list[0].file);
    if (typeof merged === 'string') problems.push(merged);
    else entries.set(path, [{ ...list[0], file: merged }]);
  }
  return problems;
}

/**
 * Patch coverage: the changed lines under the project since `base`, against the per-line hits of
 * its reports (an Istanbul summary's lcov.info beside it). A file in several reports counts a line
 * as run when any of them ran it.
 */
async function patchCoverage(reports: string[], options: Normalized & { patchBase: string }, ctx: GateContext): Promise<PatchResult> {
  const changed = changedLines(ctx.workspaceRoot, options.patchBase, ctx.projectRoot);
  const hits = new Map<string, Map<number, number>>();
  let detailed = 0;
  for (const report of reports) {
    const format = options.format ?? detectFormatOf(report);
    const source = format && hasLineDetail(format) ? report : join(dirname(report), 'lcov.info');
    if (!existsSync(join(ctx.workspaceRoot, source))) continue;
    const parsed = await loadReport(join(ctx.workspaceRoot, source), source, source === report ? options.format : 'lcov', () => true);
    detailed += 1;
    for (const file of resolveReportPaths(parsed, ctx.workspaceRoot, ctx.projectRoot).files) {
      if (!changed.has(file.path) || !file.lineHits) continue;
      const into = hits.get(file.path) ?? new Map<number, number>();
      for (const [line, n] of file.lineHits) into.set(line, Math.max(into.get(line) ?? 0, n));
      hits.set(file.path, into);
    }
  }
  if (detailed === 0) {
    throw new ReportError(
      reports.join(', '),
      '',
      'patch coverage needs per-line hits: an LCOV or Cobertura report (for Jest, add "lcov" to coverageReporters)',
    );
  }
  const files: FileCoverage[] = [...hits].map(([path, lineHits]) => ({ path, lines: { total: 0, covered: 0 }, lineHits }));
  return evaluatePatch(changed, files, options.patchThreshold, options.patchBase);
}

type Normalized = CoverageExecutorOptions & Required<Pick<CoverageExecutorOptions, 'thresholds' | 'rules' | 'notMeasured' | 'producedBy' | 'patchThreshold'>>;

/** The executor's one option normaliser: schema.json's defaults. */
export const normalizeCoverageOptions = (options: CoverageExecutorOptions): Normalized => withSchemaDefaults(schema, options) as Normalized;

/** Load, resolve and evaluate every report; print and write the summaries. */
export async function runGate(given: CoverageExecutorOptions, ctx: GateContext): Promise<Evaluation | undefined> {
  const options = normalizeCoverageOptions(given);
  const reports = options.reports.map((r) => r.replace(/\{projectRoot\}/g, ctx.projectRoot));
  const outputDir = join(ctx.workspaceRoot, options.outputDir ?? dirname(reports[0]));
  // An earlier run's result must not outlive this one: a gate that stops on a report leaves none.
  for (const output of ['coverage-gate.json', 'coverage-gate.md']) rmSync(join(outputDir, output), { force: true });
  // Every report's files by repository path; one file may come from several reports (or twice from one).
  const entries = new Map<string, Array<{ report: string; format: ReportFormat; file: FileCoverage }>>();
  const problems: string[] = [];
  for (const report of reports) {
    try {
      const parsed = await loadReport(join(ctx.workspaceRoot, report), report, options.format);
      const resolved = resolveReportPaths(parsed, ctx.workspaceRoot, ctx.projectRoot);
      for (const from of resolved.relocatedFrom)
        ctx.log(`${report}: written in another checkout (${from}, replayed from a cache); its paths are read as this checkout's`);
      const own = resolved.files.filter((f) => ownedBy(f.path, ctx.projectRoot));
      if (own.length < resolved.files.length) {
        ctx.log(`${report}: ${resolved.files.length - own.length} file(s) outside ${ctx.projectRoot} left to their own projects' gates`);
      }
      for (const file of own) {
        for (const metric of METRICS) {
          const c = file[metric];
          if (c && impossibleCounter(c))
            problems.push(new ReportError(report, file.path, `${metric} covered ${c.covered} of ${c.total}: impossible counters`).message);
        }
        entries.set(file.path, [...(entries.get(file.path) ?? []), { report, format: parsed.format, file }]);
      }
      for (const path of resolved.missing) {
        problems.push(`${report} names ${path}, which is not a file in this repository: was the report produced from another checkout?`);
      }
    } catch (error) {
      if (!(error instanceof ReportError)) throw error;
      const hint = error.message.endsWith(': not found')
        ? ` (expected at ${report}; it is written by \`nx run ${ctx.projectName}:${options.producedBy}\`)`
        : '';
      problems.push(error.message + hint);
    }
  }
  if (problems.length === 0) problems.push(...(await uniteDuplicates(entries, ctx.workspaceRoot, options.format)));
  if (problems.length > 0) {
    for (const p of problems) ctx.error(`coverage: ${p}`);
    return undefined;
  }
  const byPath = new Map([...entries].map(([path, [only]]) => [path, only.file]));

  const evaluation = evaluateThresholds([...byPath.values()], options.thresholds, options.rules, options.notMeasured);
  let patch: PatchResult | undefined;
  if (options.patchBase) {
    try {
      patch = await patchCoverage(reports, { ...options, patchBase: options.patchBase }, ctx);
    } catch (error) {
      ctx.error(`coverage: ${(error as Error).message}`);
      return undefined;
    }
    evaluation.checks.push(patch.check);
    if (!patch.check.passed) evaluation.passed = false;
  }
  ctx.log(renderTable(ctx.projectName, evaluation));
  if (patch) ctx.log(patchLines(patch, (path) => path).join('\n'));
  const markdown =
    renderMarkdown(ctx.projectName, evaluation) +
    (patch
      ? `\n${patchLines(patch, githubLink)
          .map((l) => `- ${l}`)
          .join('\n')}\n`
      : '');
  writeAtomically(join(outputDir, 'coverage-gate.md'), markdown);
  writeAtomically(
    join(outputDir, 'coverage-gate.json'),
    JSON.stringify(
      { project: ctx.projectName, reports, ...evaluation, ...(patch ? { patch: { uncovered: patch.uncovered, unreported: patch.unreported } } : {}) },
      null,
      2,
    ) + '\n',
  );
  if (ctx.stepSummaryFile) appendFileSync(ctx.stepSummaryFile, markdown + '\n');
  if (!evaluation.passed) {
    ctx.error(`coverage: ${ctx.projectName} failed its coverage gate:`);
    for (const line of failureLines(evaluation)) ctx.error(`  ${line}`);
  }
  return evaluation;
}

/** The uncovered changed lines, one line per file, with `show` rendering the file's reference. */
function patchLines(patch: PatchResult, show: (path: string, lines: number[]) => string): string[] {
  const { check } = patch;
  if (check.total === 0)
    return [`patch: no executable line changed${patch.unreported.length ? ` (changed, not in any report: ${patch.unreported.join(', ')})` : ''}`];
  return [
    ...patch.uncovered.map((u) => `patch: not run by any test: ${show(u.path, u.lines)} line(s) ${lineRanges(u.lines)}`),
    ...(patch.unreported.length ? [`patch: changed, not in any report: ${patch.unreported.join(', ')}`] : []),
  ];
}

/** A link to the file's lines on GitHub when running in Actions, else the path. */
function githubLink(path: string, lines: number[]): string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_SHA: sha } = process.env;
  if (!server || !repo || !sha) return `\`${path}\``;
  return `[${path}](${server}/${repo}/blob/${sha}/${path}#L${lines[0]}-L${lines.at(-1)})`;
}
