// What an expand migration may not do, beyond what squawk (the Postgres migration linter) finds:
// an expand migration runs before the new release starts, beside the live one, which must keep
// working on the new schema. Pure: no I/O.
import { stripComments } from './migration-file.mjs';

/** [rule, pattern, why]: matched on the up section without comments, case-insensitively. */
const RULES = [
  [
    'drop',
    /\bDROP\s+(TABLE|COLUMN|SCHEMA|TYPE|FUNCTION|PROCEDURE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|TRIGGER|CONSTRAINT|DOMAIN)\b/i,
    'drops what the live release may use',
  ],
  ['drop-index', /\bDROP\s+INDEX\b/i, 'drops an index the live release may rely on (a contract migration drops it, concurrently)'],
  ['rename', /\bRENAME\b/i, 'renames what the live release names'],
  [
    'type-change',
    /\bALTER\s+(COLUMN\s+)?\w+\s+(SET\s+DATA\s+)?TYPE\b/i,
    'changes a column type (the live release reads and writes the old one; and it rewrites the table)',
  ],
  ['set-not-null', /\bSET\s+NOT\s+NULL\b/i, 'makes a column required that the live release may leave empty'],
  ['truncate', /\bTRUNCATE\b/i, "deletes the live release's data"],
  ['lock', /\bLOCK\s+(TABLE\s+)?\w+/i, 'takes an explicit lock'],
  ['rewrite', /\b(VACUUM\s+FULL|CLUSTER)\b/i, 'rewrites a table under an exclusive lock'],
];

/** The expand rules an up section breaks: [{ rule, why, statement }]. */
export function expandViolations(up) {
  const sql = stripComments(up);
  const found = [];
  for (const [rule, pattern, why] of RULES) {
    const match = pattern.exec(sql);
    if (match) found.push({ rule, why, statement: statementAround(sql, match.index) });
  }
  return found;
}

const statementAround = (sql, at) => {
  const start = sql.lastIndexOf(';', at) + 1;
  const end = sql.indexOf(';', at);
  return sql
    .slice(start, end < 0 ? sql.length : end + 1)
    .replace(/\s+/g, ' ')
    .trim();
};

/**
 * squawk's findings, judged for the migration's kind: in an expand migration everything but
 * style is refused; in a contract migration a drop or rename is its purpose, a long lock is not.
 */
const STYLE = new Set([
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-identity',
  'prefer-text-field',
  'prefer-timestamptz',
  'prefer-robust-stmts',
  'ban-char-field',
  'require-statement-timeout',
  // Satisfied by the runner: cli.mjs connects every migration with lock_timeout (a migration that
  // waits for a lock fails fast instead of queueing the live release's queries behind it), which a
  // migration outside a transaction (CONCURRENTLY) could not set in its own one-statement body.
  'require-lock-timeout',
]);
const CONTRACT_PURPOSE = new Set(['ban-drop-column', 'ban-drop-table', 'renaming-column', 'renaming-table', 'ban-drop-not-null']);

export function refusedFindings(kind, findings) {
  return findings.filter((f) => !STYLE.has(f.rule_name) && !(kind === 'contract' && CONTRACT_PURPOSE.has(f.rule_name)));
}
