import { join } from 'node:path';
import { resolveTarget } from './target';

const root = join(__dirname, '../../../../..'); // the workspace: tools/deploy holds the real config
const options = { configDir: 'tools/deploy', environment: 'staging' };

describe('resolveTarget', () => {
  it("takes --context first, then DEPLOY_CONTEXT, then the environment's own", () => {
    const own = resolveTarget(root, options, {});
    expect(own.context).toBe(own.env.context);
    expect(resolveTarget(root, options, { DEPLOY_CONTEXT: 'from-ci' }).context).toBe('from-ci');
    expect(resolveTarget(root, { ...options, context: 'given' }, { DEPLOY_CONTEXT: 'from-ci' }).context).toBe('given');
    // An empty DEPLOY_CONTEXT (a workflow's unset variable) is no context.
    expect(resolveTarget(root, options, { DEPLOY_CONTEXT: '' }).context).toBe(own.env.context);
  });

  // Issue 31, finding 14: production named the local cluster's context, so a production command
  // run without credentials acted on the local cluster. It names none: one must be given.
  it('production has no context of its own: without --context or DEPLOY_CONTEXT it is refused, naming both', () => {
    const production = { ...options, environment: 'production' };
    expect(() => resolveTarget(root, production, {})).toThrow(/production names no kubeconfig context.*DEPLOY_CONTEXT.*--context/);
    expect(() => resolveTarget(root, production, { DEPLOY_CONTEXT: '' })).toThrow(/DEPLOY_CONTEXT/);
    expect(resolveTarget(root, production, { DEPLOY_CONTEXT: 'gke_acme_europe-west1_prod' }).context).toBe('gke_acme_europe-west1_prod');
    expect(resolveTarget(root, { ...production, context: 'given' }, {}).context).toBe('given');
  });

  it('names every service of the environment, or only those asked for', () => {
    expect(resolveTarget(root, options, {}).services.map((s) => s.name)).toEqual(expect.arrayContaining(['agents', 'execution-engine', 'dashboard']));
    expect(resolveTarget(root, { ...options, services: ['agents'] }, {}).services.map((s) => s.name)).toEqual(['agents']);
  });

  it('refuses an unknown environment or service before anything else', () => {
    expect(() => resolveTarget(root, { ...options, environment: 'qa' }, {})).toThrow(/qa/);
    expect(() => resolveTarget(root, { ...options, services: ['nope'] }, {})).toThrow(/unknown service\(s\) nope/);
  });
});
