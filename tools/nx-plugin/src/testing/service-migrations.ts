import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

const REPO = join(__dirname, '../../../..');

/**
 * A scratch workspace holding a copy of tools/deploy gets what its service files' `migrations`
 * name (each project's migrations.yaml and its folder), so its deploys run them as the real one does.
 */
export function withServiceMigrations(root: string): void {
  const services = join(root, 'tools/deploy/services');
  for (const file of readdirSync(services).filter((f) => f.endsWith('.yaml'))) {
    const config = parse(readFileSync(join(services, file), 'utf8')) as { migrations?: string };
    if (!config?.migrations) continue;
    const { dir } = parse(readFileSync(join(REPO, config.migrations), 'utf8')) as { dir: string };
    cpSync(join(REPO, config.migrations), join(root, config.migrations));
    cpSync(join(REPO, dirname(config.migrations), dir), join(root, dirname(config.migrations), dir), { recursive: true });
  }
}
