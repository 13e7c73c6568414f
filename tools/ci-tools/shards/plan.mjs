// Sharding the affected tasks of a CI run without a SaaS (pure: no I/O). Tasks are Nx task ids
// ("project:target"); durations are seconds measured by earlier runs (real runs only, not cache hits).

/** A task's expected seconds: its recorded duration, else the median of those recorded, else `fallback`. */
export function estimator(durations, fallback = 60) {
  const known = Object.values(durations).filter((s) => Number.isFinite(s) && s >= 0).sort((a, b) => a - b);
  const median = known.length ? known[known.length >> 1] : fallback;
  return (task) => (Number.isFinite(durations[task]) ? durations[task] : median);
}

/**
 * Splits tasks into `count` shards, longest first onto the least loaded shard (LPT: within 4/3 of
 * the best possible makespan). Deterministic: ties go by task id and by shard index, so every job
 * that computes the plan from the same inputs gets the same one.
 */
export function planShards(tasks, durations, count, fallback = 60) {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, not ${count}`);
  const estimate = estimator(durations, fallback);
  const shards = Array.from({ length: count }, (_, i) => ({ shard: i + 1, tasks: [], estimatedSeconds: 0 }));
  const sorted = [...new Set(tasks)].sort((a, b) => estimate(b) - estimate(a) || a.localeCompare(b));
  for (const task of sorted) {
    const target = shards.reduce((best, s) => (s.estimatedSeconds < best.estimatedSeconds ? s : best));
    target.tasks.push(task);
    target.estimatedSeconds += estimate(task);
  }
  for (const s of shards) s.tasks.sort();
  return { count, total: sorted.length, shards, unmeasured: sorted.filter((t) => !Number.isFinite(durations[t])) };
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

const RAN = new Set(['success', 'failure']);

/**
 * Reads NX_PROFILE's trace events: which tasks ran (any status: a cache hit ran as a replay) and the
 * seconds of those really executed, by the ids of the `assigned` tasks. New durations replace old
 * ones; replays keep the old.
 */
export function readProfile(events, assigned = []) {
  // A task run in its default configuration is named "project:target:configuration" there: it is
  // the assigned "project:target" (an assigned id matching the whole name comes first: target
  // names may hold a colon, as in "test:all").
  const ids = new Set(assigned);
  const taskOf = (name) => {
    if (ids.has(name)) return name;
    const withoutConfiguration = name.slice(0, name.lastIndexOf(':'));
    return ids.has(withoutConfiguration) ? withoutConfiguration : name;
  };
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
