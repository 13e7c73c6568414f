// What the GitHub workflows ask Nx to do: every `nx run p:t[:c]`, `nx affected|run-many -t …`
// and scripts/ci-affected.sh / ci-shard.sh plan call in their run: steps, and every script they run, checked
// against the project graph and the files in the repository.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { parse } from 'yaml';

/** Every run: script of every job step in a workflow's text. */
export function runScripts(text) {
  const workflow = parse(text);
  return Object.entries(workflow.jobs ?? {}).flatMap(([job, spec]) =>
    (spec.steps ?? []).filter((s) => s.run).map((s) => ({ job, step: s.name ?? s.run.split('\n')[0], run: s.run })),
  );
}

/** The Nx invocations and script paths in one run: script. */
export function invocations(run) {
  const found = [];
  for (const line of run.split('\n')) {
    for (const m of line.matchAll(/\bnx run ([\w@/.-]+):([\w-]+)(?::([\w-]+))?/g))
      found.push({ kind: 'run', project: m[1], target: m[2], configuration: m[3] });
    const many = /\bnx (affected|run-many)\b(.*)$/.exec(line);
    if (many) {
      // -t a b c | --targets=a,b: the targets are the words after it up to the next flag.
      const tokens = many[2].trim().split(/\s+/);
      const at = tokens.findIndex((t) => t === '-t' || t === '--targets' || t.startsWith('--targets='));
      const first = at >= 0 && tokens[at].startsWith('--targets=') ? [tokens[at].slice(10)] : [];
      const rest = at >= 0 ? tokens.slice(at + 1) : [];
      const end = rest.findIndex((t) => t.startsWith('-'));
      const words = [...first, ...(end < 0 ? rest : rest.slice(0, end))];
      const configuration = /(?:-c|--configuration)[= ]([\w-]+)/.exec(many[2])?.[1];
      for (const target of words.flatMap((w) => w.split(','))) found.push({ kind: many[1], target, configuration });
    }
    const ci = /scripts\/ci-affected\.sh((?: [\w=-]+)*)/.exec(line);
    if (ci) {
      const args = ci[1].trim().split(/\s+/).filter(Boolean);
      const configuration = args.map((a) => /^--configuration=([\w-]+)$/.exec(a)?.[1]).find(Boolean);
      for (const target of args.filter((a) => !a.startsWith('-'))) found.push({ kind: 'affected', target, configuration });
    }
    // scripts/ci-shard.sh plan N target...: the sharded CI's targets, affected like ci-affected.sh's.
    // A target may be a quoted glob ('workspace-test--*'), matched against the targets Nx knows.
    const shard = /scripts\/ci-shard\.sh plan \S+((?: '?[\w*-]+'?)*)/.exec(line);
    if (shard) for (const target of shard[1].trim().split(/\s+/).filter(Boolean)) found.push({ kind: 'affected', target: target.replace(/^'|'$/g, '') });
    for (const m of line.matchAll(/\bbash ((?:scripts|tools)\/[\w/.-]+\.sh)/g)) found.push({ kind: 'script', path: m[1] });
  }
  return found;
}

/** Problems: invocations naming a project, target, configuration or script that does not exist. */
export function check(found, graph, root) {
  const projects = graph.graph.nodes;
  const problems = [];
  for (const f of found) {
    if (f.kind === 'script') {
      if (!existsSync(join(root, f.path))) problems.push(`script ${f.path} does not exist`);
    } else if (f.kind === 'run') {
      const target = projects[f.project]?.data.targets?.[f.target];
      if (!projects[f.project]) problems.push(`project ${f.project} does not exist`);
      else if (!target) problems.push(`project ${f.project} has no target ${f.target}`);
      else if (f.configuration && !target.configurations?.[f.configuration]) problems.push(`${f.project}:${f.target} has no configuration ${f.configuration}`);
    } else {
      const matches = picomatch(f.target);
      const withTarget = Object.values(projects).filter((p) => Object.keys(p.data.targets ?? {}).some((name) => matches(name)));
      if (withTarget.length === 0) problems.push(`no project has a target ${f.target} (nx ${f.kind})`);
      else if (
        f.configuration &&
        !withTarget.some((p) => Object.entries(p.data.targets).some(([name, t]) => matches(name) && t.configurations?.[f.configuration]))
      ) {
        problems.push(`no project's ${f.target} has a configuration ${f.configuration}`);
      }
    }
  }
  return problems;
}
