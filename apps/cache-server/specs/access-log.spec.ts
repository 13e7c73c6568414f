import { jsonLineLogger } from '../src/access-log';

it('writes one JSON object per line with a timestamp', () => {
  const lines: string[] = [];
  jsonLineLogger((line) => lines.push(line))({
    method: 'GET',
    path: '/v1/cache/1',
    status: 404,
    bytes: 0,
    ms: 1,
    principal: 'ci-pr',
    remote: '127.0.0.1',
  });
  expect(lines).toHaveLength(1);
  expect(lines[0].endsWith('\n')).toBe(true);
  const record = JSON.parse(lines[0]);
  expect(record).toMatchObject({ method: 'GET', status: 404, principal: 'ci-pr' });
  expect(Date.parse(record.time)).not.toBeNaN();
});
