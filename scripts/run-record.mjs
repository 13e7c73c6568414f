#!/usr/bin/env node
// How long the quick start's two commands take, as runs recorded them (issue 32: every figure in
// the README produced by a script, and checked): docs/runs.json holds the runs, the README's list
// between the `runs` markers is rendered from it, and scripts/docs-check.mjs fails when they differ.
//   node scripts/run-record.mjs write <command> <seconds> <exit> [<junit dir>]
//       what a run of scripts/main.sh or scripts/test-all.sh ends with: reports/run.json (the
//       commit, the date, its time and exit status, the workspace tests its reports counted)
//   node scripts/run-record.mjs add <run.json> <new|warm> [<note>]
//       appends that run to docs/runs.json and renders the README's list again
//   node scripts/run-record.mjs render
//       renders the README's list from docs/runs.json (after editing a note by hand)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { totals } from './test-totals.mjs';

export const START = '<!-- runs: rendered from docs/runs.json by scripts/run-record.mjs; do not edit by hand -->';
export const END = '<!-- runs: end -->';
const COMMANDS = ['main.sh', 'test-all.sh'];

/** One run as the README lists it. */
export function renderRun(run) {
  const where = run.machine === 'new' ? 'on a new machine' : 'warm';
  const when = [run.date, run.commit].filter(Boolean).join(', ');
  const minutes = (run.seconds / 60).toFixed(1);
  const time = run.exit === null ? `stopped at ${Math.round(run.seconds / 60)} min` : `${run.seconds} s (${minutes} min)`;
  const outcome = run.exit === null || run.exit === 0 ? '' : `, exit ${run.exit}`;
  const tests = run.workspaceTests ? `, ${run.workspaceTests.passed} workspace tests passed, ${run.workspaceTests.failed} failed` : '';
  const note = run.note ? ` ${run.note.replace(/^./, (c) => c.toUpperCase())}${/[.!]$/.test(run.note) ? '' : '.'}` : '';
  return `- \`${run.command}\` ${where} (${when}): ${time}${outcome}${tests}.${note}`;
}

/** The README's block: the markers and one line per run, oldest first. */
export function renderRuns(runs) {
  for (const [i, run] of runs.entries()) {
    if (!COMMANDS.includes(run.command)) throw new Error(`docs/runs.json[${i}]: command ${run.command} is not one of ${COMMANDS.join(', ')}`);
    if (!['new', 'warm'].includes(run.machine)) throw new Error(`docs/runs.json[${i}]: machine must be new or warm, not ${run.machine}`);
    if (!Number.isInteger(run.seconds) || run.seconds <= 0) throw new Error(`docs/runs.json[${i}]: seconds must be a positive whole number`);
  }
  return [START, ...runs.map(renderRun), END].join('\n');
}

/** The README's block as it stands, or null when a marker is missing. */
export function readmeBlock(readme) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  return start < 0 || end < start ? null : readme.slice(start, end + END.length);
}

/** Disagreements between the README and docs/runs.json (docs-check runs this). */
export function checkRuns(root) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = readmeBlock(readme);
  if (block === null) return ['README.md: no list of measured runs between the runs markers (node scripts/run-record.mjs render)'];
  let wanted;
  try {
    wanted = renderRuns(JSON.parse(readFileSync(join(root, 'docs/runs.json'), 'utf8')));
  } catch (error) {
    return [`docs/runs.json: ${error.message}`];
  }
  return block === wanted ? [] : ['README.md: the list of measured runs differs from docs/runs.json: run `node scripts/run-record.mjs render`'];
}

function render(root) {
  const file = join(root, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const block = readmeBlock(readme);
  if (block === null) throw new Error(`README.md has no runs markers (${START} ... ${END})`);
  writeFileSync(file, readme.replace(block, renderRuns(JSON.parse(readFileSync(join(root, 'docs/runs.json'), 'utf8')))));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..');
  const [verb, ...args] = process.argv.slice(2);
  try {
    if (verb === 'write') {
      const [command, seconds, exit, dir] = args;
      if (!COMMANDS.includes(command) || !/^\d+$/.test(seconds ?? '') || !/^\d+$/.test(exit ?? ''))
        throw new Error('usage: write <main.sh|test-all.sh> <seconds> <exit> [<junit dir>]');
      const run = {
        command,
        date: new Date().toISOString().slice(0, 10),
        commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
        seconds: Number(seconds),
        exit: Number(exit),
      };
      if (dir && existsSync(dir)) {
        const xml = readdirSync(dir, { recursive: true })
          .filter((f) => String(f).endsWith('.xml'))
          .map((f) => readFileSync(join(dir, String(f)), 'utf8'));
        if (xml.length) {
          const sum = totals(xml);
          run.workspaceTests = { passed: sum.pass, failed: sum.fail };
        }
      }
      mkdirSync(join(root, 'reports'), { recursive: true });
      writeFileSync(join(root, 'reports/run.json'), `${JSON.stringify(run, null, 2)}\n`);
      console.log(`run-record: reports/run.json: ${renderRun({ ...run, machine: 'warm' })}`);
    } else if (verb === 'add') {
      const [file, machine, note] = args;
      if (!file || !['new', 'warm'].includes(machine)) throw new Error('usage: add <run.json> <new|warm> [<note>]');
      const runs = JSON.parse(readFileSync(join(root, 'docs/runs.json'), 'utf8'));
      runs.push({ ...JSON.parse(readFileSync(file, 'utf8')), machine, ...(note ? { note } : {}) });
      renderRuns(runs); // refuses a bad record before anything is written
      writeFileSync(join(root, 'docs/runs.json'), `${JSON.stringify(runs, null, 2)}\n`);
      render(root);
      console.log(`run-record: added to docs/runs.json and the README: ${renderRun(runs.at(-1))}`);
    } else if (verb === 'render') {
      render(root);
      console.log('run-record: the README lists docs/runs.json');
    } else throw new Error('usage: run-record.mjs write|add|render ...');
  } catch (error) {
    console.error(`run-record: ${error.message}`);
    process.exit(1);
  }
}
