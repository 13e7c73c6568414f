import type { V1PodSpec } from '@kubernetes/client-node';
import type { Color } from './names';

/** A base backup of a service's database, as its Job reported it. */
export interface BackupRecord {
  name: string;
  /** When it ended (ISO 8601): a restore to any moment after it can start from it. */
  at?: string;
  /** Its WAL start location (LSN), as PostgreSQL writes it. */
  lsn?: string;
  /** The restore point written after it (named as the backup): what a recovery to "before this deploy" stops at. */
  mark?: { lsn: string; at: string };
}

export type Outcome = 'live' | 'superseded' | 'failed' | 'rolled-back';

export interface Release {
  revision: number;
  image: string;
  /** The pod-template hash (RELEASE_LABEL) and the template itself, so a rollback restores the config too. */
  release?: string;
  template?: V1PodSpec;
  gitSha: string;
  /** When the release's commit was made (its image record's `created`): lead time for changes. */
  commitTime?: string;
  /** The schema version (its newest expand migration) the database had when it was deployed. */
  schemaVersion?: string;
  /** The ConfigMap of the migration files that made that schema: a database rollback undoes them from there. */
  migrations?: string;
  /**
   * The base backup its deploy took before its migrations, with the mark after it: a recovery to
   * that mark takes the schema back to what the release before it ran on. A rollback entry carries
   * the restored release's.
   */
  backup?: BackupRecord;
  /** The base backup a schema rollback to it took before its down sections ran (the newer schema still in place). */
  rollbackBackup?: BackupRecord;
  /** The contract migrations its files carry (its deploy held them back): it needs nothing they remove. */
  contracts?: string[];
  /** The contract migrations run after it went live (deploy --contract): no rollback goes to a release without them. */
  contracted?: string[];
  color: Color;
  time: string;
  actor: string;
  outcome: Outcome;
  kind: 'deploy' | 'rollback';
  reason?: string;
}

export const HISTORY_LIMIT = 20;

/**
 * At most HISTORY_LIMIT entries, newest kept, but never the live release or the last good one
 * before it: after any number of failed attempts a rollback still knows what is live and where to go.
 */
export function trimHistory(history: Release[]): Release[] {
  if (history.length <= HISTORY_LIMIT) return history;
  const keep = new Set([live(history)?.revision, previousGood(history)?.revision].filter((r) => r !== undefined));
  const room = HISTORY_LIMIT - keep.size;
  const newest = new Set(
    history
      .filter((r) => !keep.has(r.revision))
      .slice(-room)
      .map((r) => r.revision),
  );
  return history.filter((r) => keep.has(r.revision) || newest.has(r.revision));
}

/** The history after a release went live: it is appended as live, the previous live one superseded. */
export function recordLive(history: Release[], release: Omit<Release, 'revision' | 'outcome'>): Release[] {
  const revision = (history.at(-1)?.revision ?? 0) + 1;
  const updated = history.map((r) => (r.outcome === 'live' ? { ...r, outcome: 'superseded' as const } : r));
  return trimHistory([...updated, { ...release, revision, outcome: 'live' as const }]);
}

export function recordFailed(history: Release[], release: Omit<Release, 'revision' | 'outcome'>): Release[] {
  const revision = (history.at(-1)?.revision ?? 0) + 1;
  return trimHistory([...history, { ...release, revision, outcome: 'failed' as const }]);
}

export function live(history: Release[]): Release | undefined {
  return [...history].reverse().find((r) => r.outcome === 'live');
}

/** Two entries are the same release: same pod template when both recorded one, else the same image. */
export const sameRelease = (a: Pick<Release, 'release' | 'image'>, b: Pick<Release, 'release' | 'image'>): boolean =>
  a.release && b.release ? a.release === b.release : a.image === b.image;

/**
 * The release to roll back to: the newest good one before the live one, of another release, and
 * never one judged bad since (rolled back or failed later: its older good entry no longer counts).
 */
export function previousGood(history: Release[]): Release | undefined {
  const current = live(history);
  if (!current) return undefined;
  const judgedBadSince = (r: Release) =>
    history.some((later) => later.revision > r.revision && (later.outcome === 'rolled-back' || later.outcome === 'failed') && sameRelease(later, r));
  return [...history].reverse().find((r) => r.revision < current.revision && r.outcome === 'superseded' && !sameRelease(r, current) && !judgedBadSince(r));
}

/**
 * After a rollback: the live release is marked rolled back, the restored one goes live again. The
 * database is still at the schema of the release taken off (a rollback moves traffic, not the
 * schema): the restored entry says so until a schema rollback changes it (recordSchema).
 */
export function recordRollback(history: Release[], restored: Release, at: string, actor: string, reason: string): Release[] {
  const current = live(history);
  const marked = history.map((r) => (r.outcome === 'live' ? { ...r, outcome: 'rolled-back' as const } : r));
  const revision = (history.at(-1)?.revision ?? 0) + 1;
  const schema = current?.schemaVersion ? { schemaVersion: current.schemaVersion, migrations: current.migrations } : {};
  // An earlier schema rollback's backup belongs to that rollback, not to this one.
  const kept: Release = { ...restored };
  delete kept.rollbackBackup;
  return trimHistory([...marked, { ...kept, ...schema, revision, time: at, actor, outcome: 'live' as const, kind: 'rollback' as const, reason }]);
}

export function parseHistory(raw: string | undefined): Release[] {
  if (!raw) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error('release history is not a list');
  return parsed as Release[];
}

/** After a database rollback: the live entry of `release` records the schema the database is at now. */
export function recordSchema(
  history: Release[],
  release: string,
  schemaVersion: string,
  migrations: string | undefined,
  backup?: Release['backup'],
): Release[] {
  return history.map((r) =>
    r.outcome === 'live' && r.release === release ? { ...r, schemaVersion, migrations, ...(backup ? { rollbackBackup: backup } : {}) } : r,
  );
}

/** After a rollback's base backup: recorded on the restored release's live entry. */
export function recordRollbackBackup(history: Release[], release: string, backup: BackupRecord): Release[] {
  return history.map((r) => (r.outcome === 'live' && r.release === release ? { ...r, rollbackBackup: backup } : r));
}

/** After contract migrations ran for the live `release`: recorded on its entry, with the schema they left. */
export function recordContracts(history: Release[], release: string, ran: string[], schemaVersion: string, migrations: string): Release[] {
  return history.map((r) =>
    r.outcome === 'live' && r.release === release ? { ...r, contracted: [...new Set([...(r.contracted ?? []), ...ran])], schemaVersion, migrations } : r,
  );
}

/** What the active Service records of the last release taken off traffic (Observed's fields). */
export interface TakenOff {
  active: Color | null;
  activeRelease: string;
  abortedRelease: string | null;
  abortedReason: string;
  state: { phase: string; since: number } | null;
}

/**
 * A switch-back (analysis, deploy:abort) or a rollback writes the active Service first (traffic
 * back, the release it took off named in ABORTED_RELEASE, phase Aborted or RolledBack), then the
 * history. A run that died between the two left the history naming the release it took off as
 * live: the history it would have written, or null when the history needs nothing. Whoever runs
 * next completes it before reading the history, so the release taken off never counts as good
 * (a rollback would send traffic back to it) and the restored one is live again.
 */
export function completeTakenOff(history: Release[], seen: TakenOff, actor: string): Release[] | null {
  const current = live(history);
  const phase = seen.state?.phase;
  if (!current || !seen.active || !seen.abortedRelease || (phase !== 'Aborted' && phase !== 'RolledBack')) return null;
  if (current.release !== seen.abortedRelease || seen.activeRelease === current.release) return null;
  const restored = previousGood(history);
  if (!restored || restored.release !== seen.activeRelease) return null;
  const at = new Date(seen.state!.since).toISOString();
  return recordRollback(
    history,
    { ...restored, color: seen.active },
    at,
    actor,
    `${seen.abortedReason} (recorded by ${actor}: the run that switched back stopped before its history write)`,
  );
}
