import Table from 'cli-table3';
import { type Check, type Evaluation, percent } from './thresholds';
import { METRICS } from './model';

/** Floored to two decimals, as Istanbul does: 79.996% shows as 79.99%, never as a passing-looking 80.00%. */
const pct = (covered: number, total: number) =>
  total === 0 ? `${percent({ covered, total }).toFixed(2)}%` : `${(Math.floor((covered * 10000) / total) / 100).toFixed(2)}%`;

function rows(evaluation: Evaluation): string[][] {
  return evaluation.checks.map((c: Check) =>
    c.measured === false
      ? [c.passed ? 'opted out' : 'FAIL', c.scope, c.metric, 'not measured', `${c.threshold}%`, '-']
      : [c.passed ? 'pass' : 'FAIL', c.scope, c.metric, pct(c.covered, c.total), `${c.threshold}%`, `${c.covered}/${c.total}`],
  );
}

const HEAD = ['result', 'scope', 'metric', 'value', 'threshold', 'covered/total'];

export function renderTable(project: string, evaluation: Evaluation): string {
  const table = new Table({
    head: HEAD,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  table.push(...rows(evaluation));
  const totals = METRICS.filter((m) => evaluation.totals[m])
    .map((m) => `${m} ${pct(evaluation.totals[m]!.covered, evaluation.totals[m]!.total)}`)
    .join(', ');
  const lines = [`Coverage gate for ${project}: ${evaluation.passed ? 'PASSED' : 'FAILED'} (${totals})`, table.toString()];
  for (const error of evaluation.errors) lines.push(`error: ${error}`);
  return lines.join('\n');
}

export function renderMarkdown(project: string, evaluation: Evaluation): string {
  const out = [
    `### Coverage: ${project} ${evaluation.passed ? '✅ passed' : '❌ failed'}`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...rows(evaluation).map((r) => `| ${r.join(' | ')} |`),
  ];
  if (evaluation.errors.length) out.push('', ...evaluation.errors.map((e) => `- **error:** ${e}`));
  return out.join('\n') + '\n';
}

/** One line per failure, naming the file, metric, value and threshold. */
export function failureLines(evaluation: Evaluation): string[] {
  return [
    ...evaluation.checks
      .filter((c) => !c.passed && c.measured !== false)
      .map((c) => `${c.scope}: ${c.metric} ${pct(c.covered, c.total)} is below ${c.threshold}%`),
    ...evaluation.errors,
  ];
}
