// Sharding the affected tasks of a CI run without a SaaS (pure: no I/O). Tasks are Nx task ids
// ("project:target"); durations are seconds measured by earlier runs (real runs only, not cache hits).
import picomatch from 'picomatch';

/**
 * The tasks the given targets name in the given projects (`targetsOf`: project -> its target names).
 * A target may be a glob ("workspace-test--*": every workspace test target, one task per file), so
 * the shards balance each test file on its own.
 */
export function tasksOf(targets, targetsOf) {
  const tasks = [];
  for (const target of targets) {
    const matches = picomatch(target);
    for (const [project, names] of Object.entries(targetsOf)) {
      for (const name of [...names].sort()) if (matches(name)) tasks.push(`${project}:${name}`);
    }
  }
  return [...new Set(tasks)];
}

/** A task's expected seconds: its recorded duration, else the median of those recorded, else `fallback`. */
export function estimator(durations, fallback = 60) {
  const known = Object.values(durations)
    .filter((s) => Number.isFinite(s) && s >= 0)
    .sort((a, b) => a - b);
  const median = known.length ? known[known.length >> 1] : fallback;
  return (task) => (Number.isFinite(durations[task]) ? durations[task] : median);
}

/**
 * The planned task an Nx task name stands for, or null. A task run in its default configuration is
 * named "project:target:configuration" in Nx's task graph and profile: it is the planned
 * "project:target" (a planned id matching the whole name comes first: target names may hold a
 * colon, as in "test:all").
 */
function plannedId(planned, name) {
  if (planned.has(name)) return name;
  const withoutConfiguration = name.slice(0, name.lastIndexOf(':'));
  return planned.has(withoutConfiguration) ? withoutConfiguration : null;
}

/**
 * The planned tasks in units that must share a shard: a task and the planned tasks it depends on
 * (`dependencies`: Nx's task graph, whose ids may carry a configuration, "e:build:production").
 * Otherwise the shard of, say, a coverage task would run its test again. Union-find; sorted units.
 */
export function unitsOf(tasks, dependencies = {}) {
  const planned = new Set(tasks);
  const idOf = (name) => plannedId(planned, name);
  const parent = new Map([...planned].map((t) => [t, t]));
  const find = (t) => (parent.get(t) === t ? t : find(parent.get(t)));
  for (const [from, tos] of Object.entries(dependencies)) {
    const a = idOf(from);
    if (!a) continue;
    for (const to of tos) {
      const b = idOf(to);
      if (b) parent.set(find(a), find(b));
    }
  }
  const units = new Map();
  for (const t of planned) units.set(find(t), [...(units.get(find(t)) ?? []), t]);
  return [...units.values()].map((u) => u.sort());
}

/**
 * Splits tasks into `count` shards, longest first onto the least loaded shard (LPT: within 4/3 of
 * the best possible makespan), a task together with the planned tasks it depends on (unitsOf).
 * Deterministic: ties go by task id and by shard index, so every job that computes the plan from
 * the same inputs gets the same one.
 */
export function planShards(tasks, durations, count, fallback = 60, dependencies = {}) {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, not ${count}`);
  const estimate = estimator(durations, fallback);
  const shards = Array.from({ length: count }, (_, i) => ({ shard: i + 1, tasks: [], estimatedSeconds: 0 }));
  const units = unitsOf(tasks, dependencies).map((unit) => ({ unit, seconds: unit.reduce((sum, t) => sum + estimate(t), 0) }));
  units.sort((a, b) => b.seconds - a.seconds || a.unit[0].localeCompare(b.unit[0]));
  for (const { unit, seconds } of units) {
    const target = shards.reduce((best, s) => (s.estimatedSeconds < best.estimatedSeconds ? s : best));
    target.tasks.push(...unit);
    target.estimatedSeconds += seconds;
  }
  for (const s of shards) s.tasks.sort();
  const all = units.flatMap((u) => u.unit).sort();
  return { count, total: all.length, shards, unmeasured: all.filter((t) => !Number.isFinite(durations[t])) };
}

/**
 * The shards the CI matrix runs: those given a task. Fewer tasks than shards leave the rest idle,
 * and no affected task at all (a docs-only change) is an empty matrix: no runner set up for nothing.
 */
export function activeShards(plan) {
  return plan.shards.filter((s) => s.tasks.length > 0).map((s) => s.shard);
}

/** max / mean of the shards' loads: 1.00 is a perfect balance. */
export function imbalance(loads) {
  const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
  return mean > 0 ? Math.max(...loads) / mean : 1;
}

/** The shard's tasks grouped by target, so each `nx run-many -t <target> -p <projects>` runs exactly them. */
export function byTarget(tasks) {
  const groups = new Map();
  for (const task of tasks) {
    const i = task.lastIndexOf(':');
    if (i <= 0) throw new Error(`not an Nx task id (project:target): ${task}`);
    const [project, target] = [task.slice(0, i), task.slice(i + 1)];
    groups.set(target, [...(groups.get(target) ?? []), project]);
  }
  return [...groups].map(([target, projects]) => ({ target, projects }));
}

/**
 * The shard's `nx run-many` invocations: targets that run on the same projects share one, so their
 * tasks run side by side (each workspace test file is a target of its own project); the cross
 * product of an invocation's targets and projects is exactly its tasks.
 */
export function runGroups(tasks) {
  const groups = new Map();
  for (const { target, projects } of byTarget(tasks)) {
    const key = [...projects].sort().join(',');
    groups.set(key, { targets: [...(groups.get(key)?.targets ?? []), target], projects });
  }
  return [...groups.values()];
}

const RAN = new Set(['success', 'failure']);

/**
 * Reads NX_PROFILE's trace events: which tasks ran (any status: a cache hit ran as a replay) and the
 * seconds of those really executed, by the ids of the `assigned` tasks. New durations replace old
 * ones; replays keep the old.
 */
export function readProfile(events, assigned = []) {
  const ids = new Set(assigned);
  const taskOf = (name) => plannedId(ids, name) ?? name;
  const ran = new Map();
  const measured = {};
  for (const e of events) {
    if (e.ph !== 'X' || typeof e.name !== 'string') continue;
    const status = e.args?.status ?? 'unknown';
    const task = taskOf(e.name);
    ran.set(task, status);
    if (RAN.has(status) && Number.isFinite(e.dur)) measured[task] = Math.round(e.dur / 1e4) / 100;
  }
  return { ran, measured };
}

/** The assigned tasks the run did not run at all (a shard given tasks that ran none of them fails). */
export function missing(assigned, ran) {
  return assigned.filter((task) => !ran.has(task));
}
