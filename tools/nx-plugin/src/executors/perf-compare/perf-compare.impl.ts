import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { compareSamples } from '../../release/analysis/mann-whitney';
import { endpointsOf, LoadConfigError, readLoadConfig } from '../load/lib/config';
import { withSchemaDefaults } from '../options';
import { sampleSideBySide } from './lib/sample';
import type { PerfCompareExecutorOptions } from './schema';
import schema from './schema.json';

type Normalized = PerfCompareExecutorOptions & Required<Omit<PerfCompareExecutorOptions, 'baselineUrl' | 'candidateUrl'>>;

export function normalizePerfCompareOptions(options: PerfCompareExecutorOptions): Normalized {
  return withSchemaDefaults(schema, options) as Normalized;
}

export default async function perfCompareExecutor(options: PerfCompareExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName;
  if (!project) throw new Error('perf-compare: run this executor for a project (nx run <project>:perf-compare)');
  const o = normalizePerfCompareOptions(options);
  const baseline = o.baselineUrl ?? process.env.PERF_BASELINE_URL;
  const candidate = o.candidateUrl ?? process.env.PERF_CANDIDATE_URL;
  if (!baseline || !candidate) {
    logger.error(`perf-compare ${project}: give both releases: --baselineUrl (the live one) and --candidateUrl, or PERF_BASELINE_URL and PERF_CANDIDATE_URL`);
    return { success: false };
  }
  let path: string; // the load configuration's first GET endpoint is the one measured
  try {
    const first = endpointsOf(readLoadConfig(context.root, context.projectsConfigurations.projects[project].root, o.config)).find((e) => e.method === 'GET');
    if (!first) throw new LoadConfigError(`${o.config} has no GET endpoint: perf-compare measures the first one`);
    path = first.path;
  } catch (error) {
    if (error instanceof LoadConfigError) {
      logger.error(`perf-compare ${project}: ${error.message}`);
      return { success: false };
    }
    throw error;
  }
  const urls = { baseline: new URL(path, baseline).toString(), candidate: new URL(path, candidate).toString() };
  logger.info(
    `perf-compare ${project}: ${urls.baseline} (live) vs ${urls.candidate} (candidate), ${o.rounds} interleaved rounds of ${o.requestsPerRound} requests each`,
  );
  const samples = await sampleSideBySide(urls, o, (round) => logger.info(`  round ${round}/${o.rounds}`));
  const lines = [`### Side-by-side performance of ${project}`, ''];
  let success: boolean;
  if (samples.baseline.latenciesMs.length === 0 || samples.baseline.errors > 0) {
    lines.push(`INVALID: the live release failed ${samples.baseline.errors} requests; nothing to compare against.`);
    success = false;
  } else if (samples.candidate.errors > 0 || samples.candidate.latenciesMs.length === 0) {
    lines.push(`REGRESSION: the candidate failed ${samples.candidate.errors} of ${o.rounds * o.requestsPerRound} requests (the live release none).`);
    success = false;
  } else {
    const c = compareSamples(samples.baseline.latenciesMs, samples.candidate.latenciesMs, o);
    lines.push(
      `${c.regression ? 'REGRESSION' : 'PASS'}: ${c.reason} (${samples.baseline.latenciesMs.length} + ${samples.candidate.latenciesMs.length} requests).`,
    );
    success = !c.regression;
    mkdirSync(join(context.root, o.reportDir), { recursive: true });
    writeFileSync(join(context.root, o.reportDir, `${project}.json`), JSON.stringify({ project, urls, options: o, comparison: c }, null, 2) + '\n');
  }
  const markdown = lines.join('\n') + '\n';
  (success ? logger.info : logger.error)(markdown);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
  return { success };
}
