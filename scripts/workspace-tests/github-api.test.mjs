// @workspace-test cached
// scripts/github-api.mjs, the GitHub API client of incidents.mjs and security/posture.mjs, against a
// local HTTP server answering as GitHub does: the headers GitHub asks for, the answer's JSON, and an
// error naming what to fix for an address that does not answer, a refused token, missing rights and
// an answer that is not GitHub's.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { githubApi } from '../github-api.mjs';

const seen = [];
let server;
let url;
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, path: req.url, headers: req.headers, body });
      const answers = {
        '/repos/o/r/issues': [201, JSON.stringify({ number: 7 })],
        '/repos/o/r/empty': [204, ''],
        '/refused': [401, '{"message":"Bad credentials"}'],
        '/hidden': [404, '{"message":"Not Found"}'],
        '/html': [200, '<html>a proxy</html>'],
      };
      const [status, text] = answers[req.url] ?? [500, 'no such answer'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}/`;
});
after(() => new Promise((resolve) => server.close(resolve)));

test("a call sends GitHub's headers and the body, and resolves to the answer's JSON", async () => {
  const call = githubApi({ url, token: 't0ken', rights: 'issues: write' });
  assert.deepEqual(await call('POST', '/repos/o/r/issues', { title: 'x' }), { number: 7 });
  const request = seen.at(-1);
  assert.equal(request.method, 'POST');
  assert.equal(request.headers.authorization, 'Bearer t0ken');
  assert.equal(request.headers.accept, 'application/vnd.github+json');
  assert.equal(request.headers['x-github-api-version'], '2022-11-28');
  assert.equal(request.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(request.body), { title: 'x' });
  assert.equal(await call('PUT', '/repos/o/r/empty'), undefined, 'an empty answer');
});

test('every failure names what to fix', async () => {
  assert.throws(() => githubApi({ url, token: '', rights: 'admin rights on the repository' }), /GITHUB_TOKEN is not set: .*admin rights on the repository/);
  const call = githubApi({ url, token: 't0ken', rights: 'admin rights on the repository' });
  await assert.rejects(call('GET', '/refused'), /GET \/refused answered 401: the token is refused \(GITHUB_TOKEN\)/);
  await assert.rejects(call('GET', '/hidden'), /answered 404: the token needs admin rights on the repository/);
  await assert.rejects(call('GET', '/html'), /no JSON \(is GITHUB_API_URL GitHub's API\?\)/);
  const closed = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  await assert.rejects(
    githubApi({ url: `http://127.0.0.1:${closed}`, token: 't' })('GET', '/x'),
    /GitHub's API is unreachable \(ECONNREFUSED\); check GITHUB_API_URL/,
  );
});
