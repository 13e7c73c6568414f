import { join } from 'node:path';
import { runDeploy } from './run-deploy';

// Issue 31: production's releases are always judged. An environment with requireAnalysis refuses
// --skipAnalysis before it reads an image record or calls a cluster (none is needed here).
const root = join(__dirname, '../../../../../..');

describe('an environment that requires analysis', () => {
  it('refuses --skipAnalysis for production, naming the setting, and deploys nothing', async () => {
    const lines: string[] = [];
    const ctx = {
      workspaceRoot: root,
      env: { DEPLOY_CONTEXT: 'no-such-context' } as NodeJS.ProcessEnv,
      actor: 'jest',
      log: (m: string) => lines.push(m),
    };
    await expect(runDeploy({ environment: 'production', skipAnalysis: true }, ctx)).rejects.toThrow(
      /--skipAnalysis is refused for production: its releases must be judged \(requireAnalysis in .*environments\.yaml\); nothing was deployed/,
    );
    expect(lines).toEqual([]);
  });
});
