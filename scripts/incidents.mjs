#!/usr/bin/env node
// Incident issues from the release status (issue 33), after a deploy or rollback workflow step:
//   node scripts/incidents.mjs <environment> <status.json>
//     (status.json: `nx run deploy:status --json`'s line; GITHUB_TOKEN with issues: write,
//      GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT)
// A service whose release was taken off traffic (phase Aborted: the analysis or deploy:abort;
// RolledBack: deploy:rollback, an alert's included) has one open issue per release taken off,
// labelled incident, service:<name> and env:<environment>: opened with the phase's reason, its
// time and the run, or commented by a later run (a repeat alert, a rerun) instead of a second one.
// A service whose live release is promoted closes its open incidents with a comment naming it.
// What to do is decided from the status and the open issues alone (incidentActions, pure), so a
// rerun of the same workflow run after the same event changes nothing: each text carries a marker of
// the run and the phase's time.
// Each issue it opens, comments on or closes is linked in the namespace deploy:status read (the
// status file's `target`) as ConfigMap <service>-incident, libs/release-model's incident record, of
// which this is the one writer: the Deployments page shows the link beside the rollback's reason.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { githubApi } from './github-api.mjs';

const TAKEN_OFF = ['Aborted', 'RolledBack'];
// A run and the phase it saw: a rerun of the run after the same event adds nothing; a new event does.
const marker = (run, since) => `<!-- incident-run: ${run.id}-${run.attempt} ${since ?? ''} -->`;
export const incidentTitle = (service, environment, release) => `Incident: ${service} in ${environment}, release ${release} taken off traffic`;

/**
 * Pure: the GitHub calls one run owes, from the services' statuses and the open incident issues of
 * the environment ({ number, title, body, comments: [bodies] }).
 */
export function incidentActions(environment, statuses, issues, run) {
  const actions = [];
  for (const s of statuses) {
    const mark = marker(run, s.phaseSince);
    const seen = (issue) => issue.body.includes(mark) || issue.comments.some((c) => c.includes(mark));
    const mine = issues.filter((i) => i.title.startsWith(`Incident: ${s.service} in ${environment}, `));
    if (TAKEN_OFF.includes(s.phase) && s.aborted?.release) {
      const title = incidentTitle(s.service, environment, s.aborted.release);
      const facts = [
        `**${s.phase}** since ${s.phaseSince ?? 'unknown'}: ${s.aborted.reason || s.phaseReason || 'no reason recorded'}`,
        `Traffic is on ${s.live ? `${s.live.color}, release ${s.live.release} (\`${s.live.image.slice(-19)}\`)` : 'nothing'}; ${s.readyEndpoints} ready endpoint(s).`,
        `Run: ${run.url}`,
        `Next: \`npx nx run deploy:status -c ${environment} --services=${s.service}\`; a new release closes this issue when it is promoted.`,
      ].join('\n\n');
      const open = mine.find((i) => i.title === title);
      if (!open)
        actions.push({
          kind: 'open',
          service: s.service,
          title,
          release: s.aborted.release,
          labels: ['incident', `service:${s.service}`, `env:${environment}`],
          body: `${facts}\n\n${mark}`,
        });
      else if (!seen(open))
        actions.push({
          kind: 'comment',
          service: s.service,
          number: open.number,
          title,
          release: s.aborted.release,
          body: `Again (${s.phase}): ${facts}\n\n${mark}`,
        });
    } else if (s.phase === 'Promoted' && s.live) {
      for (const issue of mine.filter((i) => !i.title.endsWith(`release ${s.live.release} taken off traffic`)))
        actions.push({
          kind: 'close',
          service: s.service,
          number: issue.number,
          title: issue.title,
          closedBy: s.live.release,
          body: `Resolved: release ${s.live.release} is live and promoted in ${environment} (${run.url}).\n\n${mark}`,
        });
    }
  }
  return actions;
}

/**
 * Pure: the incident record (libs/release-model's IncidentRecord) an action leaves, from the
 * record the service had (null for none) and the issue's number and address.
 */
export function incidentRecord(action, previous, number, url, at) {
  const same = previous?.number === number ? previous : null;
  const release = action.release ?? same?.release ?? /release (\S+) taken off traffic$/.exec(action.title ?? '')?.[1] ?? '';
  const record = { number, url, title: action.title ?? same?.title ?? '', release, state: 'open', openedAt: same?.openedAt ?? at, updatedAt: at };
  return action.kind === 'close' ? { ...record, state: 'closed', closedBy: action.closedBy } : record;
}

/** Links each issue in the namespace: ConfigMap <service>-incident, replaced whole (one writer). */
async function linker(context, namespace) {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  if (!kc.getContextObject(context)) throw new Error(`kube context ${context} is not in the kubeconfig (${process.env.KUBECONFIG ?? '~/.kube/config'})`);
  kc.setCurrentContext(context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const notFound = (error) => error?.code === 404 || error?.statusCode === 404;
  return async (service, change) => {
    const name = `${service}-incident`;
    const existing = await core.readNamespacedConfigMap({ name, namespace }).catch((error) => {
      if (notFound(error)) return null;
      throw new Error(`read ConfigMap ${namespace}/${name} (context ${context}): ${error.message}`);
    });
    const previous = existing?.data?.incident ? JSON.parse(existing.data.incident) : null;
    const record = change(previous);
    const body = {
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/name': service, 'app.kubernetes.io/managed-by': 'trading-deploy' },
        ...(existing ? { resourceVersion: existing.metadata.resourceVersion } : {}),
      },
      data: { incident: JSON.stringify(record) },
    };
    await (existing ? core.replaceNamespacedConfigMap({ name, namespace, body }) : core.createNamespacedConfigMap({ namespace, body }));
    return record;
  };
}

async function main() {
  const [environment, statusFile] = process.argv.slice(2);
  if (!environment || !statusFile) throw new Error('usage: node scripts/incidents.mjs <environment> <status.json>');
  const env = process.env;
  for (const name of ['GITHUB_TOKEN', 'GITHUB_REPOSITORY'])
    if (!env[name]) throw new Error(`${name} is not set (the workflow passes github.token and the repository)`);
  let statuses;
  try {
    statuses = JSON.parse(readFileSync(statusFile, 'utf8'));
  } catch (error) {
    throw new Error(`${statusFile}: not the JSON of nx run deploy:status --json (${error.message})`);
  }
  const github = githubApi({ url: env.GITHUB_API_URL, token: env.GITHUB_TOKEN, rights: "issues: write (the job's permissions)" });
  const call = (method, path, body) => github(method, `/repos/${env.GITHUB_REPOSITORY}${path}`, body);
  const run = {
    id: env.GITHUB_RUN_ID ?? 'local',
    attempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    url: `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID ?? 'local'}`,
  };
  const listed = await call('GET', `/issues?state=open&labels=${encodeURIComponent(`incident,env:${environment}`)}&per_page=100`);
  const issues = [];
  for (const i of listed.filter((i) => !i.pull_request)) {
    const comments = i.comments ? await call('GET', `/issues/${i.number}/comments?per_page=100`) : [];
    issues.push({ number: i.number, title: i.title, body: i.body ?? '', comments: comments.map((c) => c.body ?? '') });
  }
  const actions = incidentActions(environment, statuses, issues, run);
  // deploy:status --jsonFile names where it read them; a status without it (an older file) links nothing.
  const target = statuses.find((s) => s.target)?.target;
  const link = target ? await linker(target.context, target.namespace) : null;
  const issueUrl = (number) => `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/issues/${number}`;
  const at = new Date().toISOString();
  for (const a of actions) {
    let number = a.number;
    let url = issueUrl(a.number);
    if (a.kind === 'open') {
      const created = await call('POST', '/issues', { title: a.title, body: a.body, labels: a.labels });
      number = created.number;
      url = created.html_url ?? issueUrl(created.number);
      console.log(`incident: opened #${created.number} ${a.title}`);
    } else if (a.kind === 'comment') {
      await call('POST', `/issues/${a.number}/comments`, { body: a.body });
      console.log(`incident: commented on #${a.number} (${a.service})`);
    } else {
      await call('POST', `/issues/${a.number}/comments`, { body: a.body });
      await call('PATCH', `/issues/${a.number}`, { state: 'closed', state_reason: 'completed' });
      console.log(`incident: closed #${a.number} (${a.service})`);
    }
    if (link) {
      await link(a.service, (previous) => incidentRecord(a, previous, number, url, at));
      console.log(`incident: #${number} linked in ${target.namespace} (ConfigMap ${a.service}-incident)`);
    }
  }
  if (!link) console.log(`incident: ${statusFile} names no target (context, namespace): the issues are not linked in the cluster`);
  if (!actions.length) console.log(`incident: nothing to open, comment on or close in ${environment}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`incidents: ${error.message}`);
    process.exit(1);
  });
}
