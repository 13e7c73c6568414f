#!/usr/bin/env node
// What a run of Nx tasks cost, from its NX_PROFILE trace: each task's seconds (slowest first, cache
// replays marked), their sum, the run's wall time and the speed-up of running them side by side
// (sum / wall), measured in that one run. Into the GitHub step summary too.
//   NX_PROFILE=reports/x.json npx nx run-many ...; node scripts/task-times.mjs reports/x.json "title"
import { appendFileSync, readFileSync } from 'node:fs';

export function taskTimes(events) {
  const tasks = events
    .filter((e) => e.ph === 'X' && typeof e.name === 'string' && Number.isFinite(e.dur) && Number.isFinite(e.ts))
    .map((e) => ({ task: e.name, seconds: e.dur / 1e6, status: e.args?.status ?? 'unknown', start: e.ts, end: e.ts + e.dur }));
  const sum = tasks.reduce((s, t) => s + t.seconds, 0);
  const wall = tasks.length ? (Math.max(...tasks.map((t) => t.end)) - Math.min(...tasks.map((t) => t.start))) / 1e6 : 0;
  return { tasks: tasks.sort((a, b) => b.seconds - a.seconds), sum, wall, speedup: wall > 0 ? sum / wall : 1 };
}

if (import.meta.main) {
  const [file, title = 'Nx tasks'] = process.argv.slice(2);
  let events;
  try {
    events = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`task-times: no readable NX_PROFILE trace at ${file} (${error.message})`);
    process.exit(1);
  }
  const { tasks, sum, wall, speedup } = taskTimes(events);
  const lines = [
    `### ${title}: ${tasks.length} task(s), ${sum.toFixed(0)} s of task time in ${wall.toFixed(0)} s wall (side by side: ${speedup.toFixed(2)}x)`,
    '| task | s | status |',
    '|---|---|---|',
    ...tasks.map((t) => `| ${t.task} | ${t.seconds.toFixed(1)} | ${t.status} |`),
  ];
  console.log(lines.join('\n'));
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${lines.join('\n')}\n`);
}
