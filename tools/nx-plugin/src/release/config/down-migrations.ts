import type { V1Job } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { type MigrationFile, migrationJobBase } from './migrations';

// The database half of `deploy:rollback --database` (issue 30): the live release's expand
// migrations undone by their down sections, back to the schema of the release the rollback
// restores. Run after traffic is back on that release (it ran beside the newer schema: that is what
// expand means), by a Job from the same image and with the same files as the deploy's migrations.

export interface DownPlan {
  table: string;
  /** The live release's schema version and the restored one's. */
  from: string;
  to: string;
  /** The files undone, newest first (dbmate rolls back the newest applied one each time). */
  files: MigrationFile[];
  /** Of the table, the target and the files: names the Job, so a rerun reuses a completed one. */
  hash: string;
}

/**
 * `irreversible`: the files in between are expand migrations, but one has no down section: only a
 * point-in-time recovery to the mark before the live release's deploy takes the schema back
 * (schema-rollback.ts decides whether one can).
 */
export type DownDecision = { plan: DownPlan } | { nothing: string } | { refused: string } | { irreversible: string };

/** A file's down section without comments and blank lines: what `dbmate rollback` would run. */
export function downStatements(text: string): string {
  const at = text.search(/^-- migrate:down\b.*$/m);
  if (at < 0) return '';
  const lines = text.slice(at).split('\n').slice(1);
  const end = lines.findIndex((l) => /^-- migrate:up\b/.test(l));
  return (end < 0 ? lines : lines.slice(0, end))
    .map((l) => l.replace(/--.*$/, '').trim())
    .filter(Boolean)
    .join('\n');
}

const RESTORE = 'restore the database from a backup instead (docs/rollback.md, section 4)';

/**
 * Pure: what taking the schema from the live release's version back to the restored release's
 * takes, from the live release's migration files. Nothing when the schemas are the same; refused,
 * with the reason, when a version is unknown or a contract migration lies in between; irreversible
 * when an expand migration in between has no down section.
 */
export function downPlan(files: readonly MigrationFile[], table: string, from: string | undefined, to: string | undefined): DownDecision {
  if (!from) return { nothing: 'the live release recorded no schema version: it changed no schema through the deploy' };
  if (!to)
    return {
      refused: `the release to restore recorded no schema version (deployed before the deploy ran migrations), so the schema it needs is unknown: ${RESTORE}, or roll back without --database`,
    };
  if (from <= to) return { nothing: `the schema is already at ${from}, which release's ${to} runs on` };
  const undone = files.filter((f) => f.version > to && f.version <= from).sort((a, b) => b.version.localeCompare(a.version));
  if (!undone.some((f) => f.version === from))
    return { refused: `the live release's migration files do not include its schema version ${from}: nothing to undo it with; ${RESTORE}` };
  const contract = undone.filter((f) => f.kind === 'contract');
  if (contract.length)
    return {
      refused: `${contract.map((f) => f.name).join(', ')} ${contract.length > 1 ? 'are contract migrations' : 'is a contract migration'}: the release to restore needs what it removed; ${RESTORE}`,
    };
  const irreversible = undone.filter((f) => !downStatements(f.text));
  if (irreversible.length)
    return { irreversible: `${irreversible.map((f) => f.name).join(', ')} ${irreversible.length > 1 ? 'have' : 'has'} no down section (irreversible)` };
  const hash = createHash('sha256');
  hash.update(`${table}\0${to}`);
  for (const f of undone) hash.update(`\0${f.name}\0${f.text}`);
  return { plan: { table, from, to, files: undone, hash: hash.digest('hex').slice(0, 10) } };
}

export const downMigrationName = (service: string, plan: DownPlan) => `${service}-migrate-down-${plan.hash}`;

/**
 * The Job's script: first the guard dbmate lacks (its rollback undoes the newest applied migration
 * *among the folder's files*, stepping over any newer one applied outside them): every version
 * applied after the target must be one of the files undone, else nothing is done, exit 3. Then one
 * `dbmate rollback` per applied file, newest first. Rerun after a partial run, it undoes the rest.
 */
export const DOWN_SCRIPT = [
  'set -eu',
  'applied=$(psql "$DATABASE_URL" -X -A -t -q -v ON_ERROR_STOP=1 -c "SELECT version FROM $TABLE WHERE version > \'$TARGET\' ORDER BY version DESC")',
  'for v in $applied; do',
  '  case " $VERSIONS " in *" $v "*) ;; *)',
  '    echo "refused: migration $v is applied after schema $TARGET and is not one of the live release\'s expand migrations ($VERSIONS): a contract migration or one run by hand; undoing the schema would cross it. Nothing was undone."',
  '    exit 3 ;;',
  '  esac',
  'done',
  '[ -n "$applied" ] || echo "nothing to undo: no migration after $TARGET is applied"',
  'for v in $applied; do dbmate --url "$DATABASE_URL$URL_SUFFIX" --migrations-dir "$MIGRATIONS_DIR" --migrations-table "$TABLE" --no-dump-schema rollback; done',
  'echo "schema: $TARGET"',
].join('\n');

export interface DownJobOptions {
  service: string;
  environment: string;
  namespace: string;
  plan: DownPlan;
  /** The ConfigMap of the live release's migration files (its deploy's). */
  configMap: string;
  image: string;
  secret: string;
  key: string;
  urlSuffix: string;
  timeoutSeconds: number;
}

/** The Job undoing a DownPlan: only its files mounted, the guard and dbmate (DOWN_SCRIPT). */
export function downMigrationJob(o: DownJobOptions): V1Job {
  const env = (name: string, value: string) => ({ name, value });
  return migrationJobBase(
    { ...o, name: downMigrationName(o.service, o.plan) },
    {
      command: ['sh', '-c', DOWN_SCRIPT],
      env: [
        env('URL_SUFFIX', o.urlSuffix),
        env('MIGRATIONS_DIR', '/migrations'),
        env('TABLE', o.plan.table),
        env('TARGET', o.plan.to),
        env('VERSIONS', o.plan.files.map((f) => f.version).join(' ')),
      ],
    },
    { name: o.configMap, items: o.plan.files.map((f) => ({ key: f.name, path: f.name })) },
  );
}
