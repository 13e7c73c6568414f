import { appendFileSync } from 'node:fs';

/**
 * The per-service outcome table a release command ends with: one row per service (a FAILED row,
 * and a log line, for a service whose work threw), in the log and in the GitHub step summary.
 * Shared by every release command (deploy, rollback, abort/promote, reconcile). `failedRow` gives
 * a failed service's cells (default: its name, FAILED and the message). Returns the fulfilled
 * results and whether every service succeeded.
 */
export function reportServices<T>(
  title: string,
  header: string[],
  names: string[],
  settled: PromiseSettledResult<T>[],
  row: (result: T) => string[],
  ctx: { log: (message: string) => void; env: NodeJS.ProcessEnv },
  failedRow: (name: string, reason: unknown, index: number) => string[] = (name, reason) => [name, 'FAILED', (reason as Error).message],
): { ok: boolean; results: T[] } {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  const results: T[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      results.push(s.value);
      lines.push(`| ${row(s.value).join(' | ')} |`);
    } else {
      lines.push(`| ${failedRow(names[i], s.reason, i).join(' | ')} |`);
      ctx.log(`[${names[i]}] FAILED: ${(s.reason as Error).message}`);
    }
  });
  ctx.log(`\n${title}:\n${lines.join('\n')}`);
  if (ctx.env.GITHUB_STEP_SUMMARY) appendFileSync(ctx.env.GITHUB_STEP_SUMMARY, `### ${title}\n\n${lines.join('\n')}\n\n`);
  return { ok: settled.every((s) => s.status === 'fulfilled'), results };
}
