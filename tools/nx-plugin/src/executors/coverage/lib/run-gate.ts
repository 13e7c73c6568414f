import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CoverageExecutorOptions } from '../schema';
import { loadReport } from './load-report';
import { type FileCoverage, ReportError } from './model';
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

/** Load, resolve and evaluate every report; print and write the summaries. */
export async function runGate(options: CoverageExecutorOptions, ctx: GateContext): Promise<Evaluation | undefined> {
  const reports = options.reports.map((r) => r.replace(/\{projectRoot\}/g, ctx.projectRoot));
  const files: FileCoverage[] = [];
  const problems: string[] = [];
  for (const report of reports) {
    try {
      const parsed = await loadReport(join(ctx.workspaceRoot, report), report, options.format);
      const resolved = resolveReportPaths(parsed, ctx.workspaceRoot, ctx.projectRoot);
      const own = resolved.files.filter((f) => ownedBy(f.path, ctx.projectRoot));
      if (own.length < resolved.files.length) {
        ctx.log(`${report}: ${resolved.files.length - own.length} file(s) outside ${ctx.projectRoot} left to their own projects' gates`);
      }
      files.push(...own);
      for (const path of resolved.missing) {
        problems.push(`${report} names ${path}, which is not a file in this repository: was the report produced from another checkout?`);
      }
    } catch (error) {
      if (!(error instanceof ReportError)) throw error;
      const hint = error.message.endsWith(': not found')
        ? ` (expected at ${report}; it is written by \`nx run ${ctx.projectName}:${options.producedBy ?? 'test'}\`)`
        : '';
      problems.push(error.message + hint);
    }
  }
  if (problems.length > 0) {
    for (const p of problems) ctx.error(`coverage: ${p}`);
    return undefined;
  }

  const evaluation = evaluateThresholds(files, options.thresholds ?? { lines: 80 }, options.rules ?? []);
  ctx.log(renderTable(ctx.projectName, evaluation));
  const markdown = renderMarkdown(ctx.projectName, evaluation);
  const outputDir = join(ctx.workspaceRoot, options.outputDir ?? dirname(reports[0]));
  writeAtomically(join(outputDir, 'coverage-gate.md'), markdown);
  writeAtomically(
    join(outputDir, 'coverage-gate.json'),
    JSON.stringify({ project: ctx.projectName, reports, ...evaluation }, null, 2) + '\n',
  );
  if (ctx.stepSummaryFile) appendFileSync(ctx.stepSummaryFile, markdown + '\n');
  if (!evaluation.passed) {
    ctx.error(`coverage: ${ctx.projectName} failed its coverage gate:`);
    for (const line of failureLines(evaluation)) ctx.error(`  ${line}`);
  }
  return evaluation;
}
