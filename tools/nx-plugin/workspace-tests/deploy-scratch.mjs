// A scratch copy for the deploy tests of the local cluster (slo-fixture.mjs, real-staging.test.mjs):
// several replicas per service, and environments.yaml's staging and production moved to the test's
// own namespaces on the local cluster (production names no context of its own: it gets staging's),
// with the timings the test gives them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { scratchCopy, withSeveralReplicas } from '../../workspace-tests/scratch.mjs';

/**
 * `namespaces`: { staging, production }; `settings` go into each environment, `analysis` into its
 * analysis section; `edit(envs)` changes what else the test needs before the file is written.
 */
export function deployScratch({ namespaces, settings, analysis, edit = () => {} }) {
  const scratch = scratchCopy();
  withSeveralReplicas(scratch.dir);
  const file = join(scratch.dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(file, 'utf8'));
  for (const [name, namespace] of Object.entries(namespaces)) {
    Object.assign(envs[name], { namespace, context: envs.staging.context, ...settings });
    Object.assign(envs[name].analysis, analysis);
  }
  edit(envs);
  writeFileSync(file, stringify(envs));
  return scratch;
}
