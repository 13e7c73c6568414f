// LOCAL STAND-IN for the few GitHub REST API calls the workflows make (nrwl/nx-set-shas: the
// successful runs of a workflow on main, and whether their commits are on main; scripts/ci-base.mjs:
// the completed runs and their jobs; scripts/incidents.mjs:
// open issues by label, create, comment, close) and scripts/security/posture.mjs makes
// (environments, their branch policies, branch protection), used only by
// the workflow tests: act points GITHUB_API_URL here. It answers from the state it is given and
// records every request, so a test can assert what the workflow asked for.
import { createServer } from 'node:http';

/**
 * Starts the stand-in on 127.0.0.1 (a free port).
 * state: { runs: [{ workflow: 'ci.yml', event: 'push', branch: 'main', head_sha, id?, conclusion? ('success'), jobs?: [{ name, conclusion }] }]
 *            (newest first), commits: [sha, ...] (main, newest first),
 *          currentWorkflow: the workflow file of the run being executed (nx-set-shas asks when not told),
 *          issues: [{ number, title, body, labels: [names], state, comments: [bodies] }] (created on the first write) }
 */
export async function startGitHubApi(state) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://stand-in');
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), ...(body ? { body } : {}) });
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let m;
    if ((m = /^\/repos\/[^/]+\/[^/]+\/actions\/workflows\/([^/]+)\/runs$/.exec(url.pathname))) {
      const q = url.searchParams;
      const runs = state.runs.filter(
        (r) =>
          r.workflow === decodeURIComponent(m[1]) &&
          (!q.get('event') || r.event === q.get('event')) &&
          (!q.get('branch') || r.branch === q.get('branch')) &&
          (!q.get('status') || q.get('status') === 'completed' || q.get('status') === (r.conclusion ?? 'success')),
      );
      return send(200, {
        total_count: runs.length,
        workflow_runs: runs.map((r, i) => ({
          id: r.id ?? 1000 + i,
          head_sha: r.head_sha,
          event: r.event,
          status: 'completed',
          conclusion: r.conclusion ?? 'success',
        })),
      });
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/jobs$/.exec(url.pathname))) {
      const run = state.runs.find((r, i) => String(r.id ?? 1000 + i) === m[1]);
      return run ? send(200, { total_count: (run.jobs ?? []).length, jobs: run.jobs ?? [] }) : send(404, { message: 'Not Found' });
    }
    if (/^\/repos\/[^/]+\/[^/]+\/actions\/runs\/\d+$/.test(url.pathname)) {
      return state.currentWorkflow ? send(200, { workflow_id: state.currentWorkflow }) : send(404, { message: 'stand-in: no current workflow' });
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/commits\/([0-9a-f]{40})$/.exec(url.pathname))) {
      return state.commits.includes(m[1]) ? send(200, { sha: m[1] }) : send(404, { message: 'No commit found for SHA' });
    }
    if (/^\/repos\/[^/]+\/[^/]+\/commits$/.test(url.pathname))
      return send(
        200,
        state.commits.map((sha) => ({ sha })),
      );
    // Issues (scripts/incidents.mjs): state.issues holds them; a write needs a token.
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues(?:\/(\d+)(\/comments)?)?$/.exec(url.pathname))) {
      const issues = (state.issues ??= []);
      if (req.method !== 'GET' && !/^Bearer \S+/.test(req.headers.authorization ?? '')) return send(401, { message: 'Requires authentication' });
      const issue = m[1] && issues.find((i) => i.number === Number(m[1]));
      if (m[1] && !issue) return send(404, { message: 'Not Found' });
      if (!m[1] && req.method === 'GET') {
        const labels = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
        const wanted = url.searchParams.get('state') ?? 'open';
        return send(
          200,
          issues
            .filter((i) => (wanted === 'all' || i.state === wanted) && labels.every((l) => i.labels.includes(l)))
            .map((i) => ({
              number: i.number,
              title: i.title,
              body: i.body,
              state: i.state,
              labels: i.labels.map((name) => ({ name })),
              comments: i.comments.length,
            })),
        );
      }
      if (!m[1] && req.method === 'POST') {
        const created = { number: issues.length + 1, title: body.title, body: body.body ?? '', labels: body.labels ?? [], state: 'open', comments: [] };
        issues.push(created);
        const repo = /^\/repos\/([^/]+\/[^/]+)\//.exec(url.pathname)[1];
        return send(201, { number: created.number, title: created.title, html_url: `https://github.com/${repo}/issues/${created.number}` });
      }
      if (m[2] && req.method === 'GET')
        return send(
          200,
          issue.comments.map((c) => ({ body: c })),
        );
      if (m[2] && req.method === 'POST') {
        issue.comments.push(body.body);
        return send(201, { body: body.body });
      }
      if (!m[2] && req.method === 'PATCH') {
        Object.assign(issue, body.state ? { state: body.state } : {});
        return send(200, { number: issue.number, state: issue.state });
      }
    }
    // Environments and branch protection (scripts/security/posture.mjs): state.environments,
    // state.protection; writes and reads need state.token when one is set (a wrong one: 401).
    if ((m = /^\/repos\/[^/]+\/[^/]+\/(?:environments\/([\w-]+)(\/deployment-branch-policies)?|branches\/([\w-]+)\/protection)$/.exec(url.pathname))) {
      if (state.token !== undefined && req.headers.authorization !== `Bearer ${state.token}`) return send(401, { message: 'Bad credentials' });
      const environments = (state.environments ??= {});
      if (m[3] && req.method === 'PUT') {
        (state.protection ??= {})[m[3]] = body;
        return send(200, body);
      }
      if (m[1] && !m[2] && req.method === 'PUT') {
        environments[m[1]] = { ...body, branch_policies: environments[m[1]]?.branch_policies ?? [] };
        return send(200, { name: m[1] });
      }
      const environment = environments[m[1]];
      if (m[2] && !environment) return send(404, { message: 'Not Found' });
      if (m[2] && req.method === 'GET') return send(200, { total_count: environment.branch_policies.length, branch_policies: environment.branch_policies });
      if (m[2] && req.method === 'POST') {
        if (environment.deployment_branch_policy?.custom_branch_policies !== true) return send(404, { message: 'custom branch policies are not enabled' });
        environment.branch_policies.push(body);
        return send(200, body);
      }
    }
    return send(404, { message: `stand-in: ${req.method} ${url.pathname} is not served` });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}
