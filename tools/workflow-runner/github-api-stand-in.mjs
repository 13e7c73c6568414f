// LOCAL STAND-IN for the few GitHub REST API calls the workflows' actions make (nrwl/nx-set-shas:
// the successful runs of a workflow on main, and whether their commits are on main), used only by
// the workflow tests: act points GITHUB_API_URL here. It answers from the state it is given and
// records every request, so a test can assert what the workflow asked for.
import { createServer } from 'node:http';

/**
 * Starts the stand-in on 127.0.0.1 (a free port).
 * state: { runs: [{ workflow: 'ci.yml', event: 'push', branch: 'main', head_sha }], commits: [sha, ...] (main, newest first),
 *          currentWorkflow: the workflow file of the run being executed (nx-set-shas asks when not told) }
 */
export async function startGitHubApi(state) {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://stand-in');
    requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams) });
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
          (!q.get('status') || q.get('status') === 'success'),
      );
      return send(200, { total_count: runs.length, workflow_runs: runs.map((r) => ({ head_sha: r.head_sha, event: r.event, conclusion: 'success' })) });
    }
    if (/^\/repos\/[^/]+\/[^/]+\/actions\/runs\/\d+$/.test(url.pathname)) {
      return state.currentWorkflow ? send(200, { workflow_id: state.currentWorkflow }) : send(404, { message: 'stand-in: no current workflow' });
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
    return send(404, { message: `stand-in: ${req.method} ${url.pathname} is not served` });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}
