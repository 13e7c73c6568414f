// The migrations of a service, checked before they can merge: each file well-formed (migration-file),
// each expand migration free of what the live release cannot run beside (expand-rules, and squawk,
// the maintained Postgres migration linter, on its up section), and each contract migration free of
// long locks. I/O: reads the folder, runs squawk from node_modules.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandViolations, refusedFindings } from './expand-rules.mjs';
import { parseMigration } from './migration-file.mjs';

// squawk's and dbmate's own static binaries, as npm optional dependencies of their platform
// (linux-x64, this project's platform): the npm wrappers list every platform's package, and the
// registry mirror here lacks some, which npm ci then refuses.
const SQUAWK = join(import.meta.dirname, '../../node_modules/@squawk-cli/linux-x64/bin/squawk');

/** squawk's findings on one up section: [{ rule_name, message, line }]. */
function squawk(up, inTransaction) {
  const dir = mkdtempSync(join(tmpdir(), 'squawk-'));
  try {
    const file = join(dir, 'up.sql');
    writeFileSync(file, up);
    const args = ['--reporter', 'json', '--pg-version', '15', ...(inTransaction ? ['--assume-in-transaction'] : []), file];
    let out;
    try {
      out = execFileSync(SQUAWK, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      // squawk exits 1 when it finds something; its JSON is on stdout all the same.
      if (!error.stdout) throw new Error(`squawk could not run (${SQUAWK}): ${error.message}; run npm ci (on linux-x64)`);
      out = error.stdout;
    }
    return JSON.parse(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every migration in `dir`, in version order: { file, kind, reversible, refused: [{ rule, why }] }. */
export function lintMigrations(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return files.map((file) => {
    const parsed = parseMigration(file, readFileSync(join(dir, file), 'utf8'));
    if (parsed.problems) return { file, refused: parsed.problems.map((why) => ({ rule: 'format', why })) };
    const own = parsed.kind === 'expand' ? expandViolations(parsed.up).map((v) => ({ rule: v.rule, why: `${v.why}: ${v.statement}` })) : [];
    const found = refusedFindings(parsed.kind, squawk(parsed.up, parsed.upInTransaction)).map((f) => ({
      rule: `squawk ${f.rule_name}`,
      why: `${f.message} (up section, line ${f.line + 1})`,
    }));
    return { file, kind: parsed.kind, reversible: parsed.reversible, refused: [...own, ...found] };
  });
}
