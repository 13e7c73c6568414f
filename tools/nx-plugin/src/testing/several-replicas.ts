import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The agents and the engine run one replica each (their state is in the process). The rollout
 * mechanics (scaling, canary beside live pods, scale-down) are tested with several pods: this sets
 * the copied service files back to 2 in staging and 3 in production.
 */
export function withSeveralReplicas(deployDir: string): void {
  for (const service of ['agents', 'execution-engine']) {
    const file = join(deployDir, 'services', `${service}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^replicas: .*$/m, 'replicas: { staging: 2, production: 3 }'));
  }
}
