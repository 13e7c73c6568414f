import { createHash } from 'node:crypto';
import { previousGood, live, type Release } from '@trading/release-model';
import type { MigrationFile, MigrationPlan } from '../config/migrations';

// Contract migrations through the deploy (issue 30): a contract migration removes what old releases
// read (a column, an index, a table). A release whose files carry it (held back by its deploy, as
// the history records: `contracts`) was written not to need what it removes; one whose files do not
// may need it. So it runs only when neither the live release nor its standby (the rollback target,
// whose colour a switch-back or a rollback puts back) lacks it, and once it ran, no rollback goes to
// a release that lacks it.

export interface ContractDecision {
  /** The contract migrations that may run now, in version order. */
  run: MigrationFile[];
  /** Those that may not, each with the release that may still need the old shape. */
  refused: { file: string; reason: string }[];
}

const describeRelease = (r: Release, role: string) => `${role} release ${r.release ?? r.image.slice(-19)} (rev ${r.revision})`;

/**
 * Pure: which of a release's held contract migrations may run, after it went live, given the
 * history (its live entry and the standby). In version order; the first refused one holds back
 * every later one (dbmate applies a folder's pending files in order).
 */
export function contractDecision(held: readonly MigrationFile[], history: Release[]): ContractDecision {
  const current = live(history);
  const standby = previousGood(history);
  const roles: Array<[Release, string]> = [
    ...(current ? [[current, 'the live'] as [Release, string]] : []),
    ...(standby ? [[standby, 'the standby'] as [Release, string]] : []),
  ];
  const needers = (file: MigrationFile) => roles.filter(([r]) => !r.contracts?.includes(file.name));
  const decision: ContractDecision = { run: [], refused: [] };
  for (const file of [...held].sort((a, b) => a.version.localeCompare(b.version))) {
    const need = needers(file);
    if (!current) decision.refused.push({ file: file.name, reason: 'no release is recorded live' });
    else if (decision.refused.length) decision.refused.push({ file: file.name, reason: `after ${decision.refused[0].file}, which is held back` });
    else if (need.length)
      decision.refused.push({
        file: file.name,
        reason: `${need.map(([r, role]) => describeRelease(r, role)).join(' and ')} ${need.length > 1 ? 'do' : 'does'} not carry it, so may still read what it removes; it runs once neither does (after the next deploy)`,
      });
    else decision.run.push(file);
  }
  return decision;
}

/** The migrations a contract run gives dbmate: the expand ones (applied already) and the contract ones allowed. */
export function contractPlan(plan: MigrationPlan, run: readonly MigrationFile[]): MigrationPlan {
  const apply = [...plan.apply, ...run].sort((a, b) => a.version.localeCompare(b.version));
  const names = new Set(run.map((f) => f.name));
  const hash = createHash('sha256');
  hash.update(plan.table);
  for (const f of apply) hash.update(`\0${f.name}\0${f.text}`);
  return {
    table: plan.table,
    apply,
    held: plan.held.filter((f) => !names.has(f.name)),
    schemaVersion: apply.at(-1)?.version ?? null,
    hash: hash.digest('hex').slice(0, 10),
  };
}

/**
 * Pure: the contract migrations that ran (recorded in the history: `contracted`) which `target`
 * does not carry. A rollback to it is refused while this is not empty: it may read what they removed.
 */
export function contractsCrossed(history: Release[], target: Release): string[] {
  const ran = new Set(history.flatMap((r) => r.contracted ?? []));
  return [...ran].filter((name) => !target.contracts?.includes(name)).sort();
}
