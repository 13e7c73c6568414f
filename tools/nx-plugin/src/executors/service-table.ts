import { appendFileSync } from 'node:fs';

/**
 * The per-service outcome table a release command ends with: one row per service (a FAILED row,
 * and a log line, for a service whose work threw), in the log and in the GitHub step summary.
 * Shared by deploy:abort/promote and deploy:reconcile. Returns the fulfilled results and whether
 * every service succeeded.
 */
export function reportServices<T>(
  title: string,
  header: string[],
  names: string[],
  settled: PromiseSettledResult<T>[],
  row: (result: T) => string[],
  ctx: { log: (message: string) => void; env: NodeJS.ProcessEnv },
): { ok: boolean; results: T[] } {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  const results: T[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      results.push(s.value);
      lines.push(`| ${row(s.value).join(' | ')} |`);
    } else {
      const message = (s.reason as Error).message;
      lines.push(`| ${names[i]} | FAILED | ${message} |`);
      ctx.log(`[${names[i]}] FAILED: ${message}`);
    }
  });
  ctx.log(`\n${title}:\n${lines.join('\n')}`);
  if (ctx.env.GITHUB_STEP_SUMMARY) appendFileSync(ctx.env.GITHUB_STEP_SUMMARY, `### ${title}\n\n${lines.join('\n')}\n\n`);
  return { ok: settled.every((s) => s.status === 'fulfilled'), results };
}
