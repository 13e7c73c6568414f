import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointsOf, LoadConfigError, parseLoadConfig, readLoadConfig } from './config';
import { ohaArgs, parseOhaReport } from './oha';
import { renderLoad } from './render';
import { judge, overall } from './verdict';

const report = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    summary: { total: 10, requestsPerSec: 1000, successRate: 1, slowest: 0.2 },
    latencyPercentiles: { p50: 0.004, p95: 0.0425, p99: 0.09 },
    statusCodeDistribution: { '200': 10000 },
    errorDistribution: {},
    ...over,
  });

describe('load configuration', () => {
  it('reads endpoints, rate, users, duration and the p95 bar', () => {
    expect(parseLoadConfig('endpoints: [/api/status]\nrate: 1000\nusers: 1000\ndurationSeconds: 10\np95Ms: 100\n', 'load.yaml')).toEqual({
      endpoints: ['/api/status'],
      rate: 1000,
      users: 1000,
      durationSeconds: 10,
      p95Ms: 100,
    });
  });

  it('names what is wrong', () => {
    expect(() => parseLoadConfig('endpoints: [', 'x/load.yaml')).toThrow(/x\/load.yaml is not valid YAML/);
    expect(() => parseLoadConfig('endpoints: [api]\nrate: 1\nusers: 1\ndurationSeconds: 1\np95Ms: 1\n', 'l.yaml')).toThrow(/starting with \//);
    expect(() => parseLoadConfig('endpoints: [/]\nrate: 0\nusers: 1\ndurationSeconds: 1\np95Ms: 1\n', 'l.yaml')).toThrow(LoadConfigError);
    expect(() => parseLoadConfig('endpoints: [/]\nrate: 1\nusers: 1\ndurationSeconds: 1\np95Ms: 1\nextra: 1\n', 'l.yaml')).toThrow(/extra/);
  });

  it("is read from the project's file, and a missing file is named", () => {
    const root = mkdtempSync(join(tmpdir(), 'load-config-'));
    try {
      expect(() => readLoadConfig(root, 'apps/x', 'load.yaml')).toThrow(/^apps\/x\/load.yaml not found: the project's load configuration/);
      writeFileSync(join(root, 'load.yaml'), 'endpoints: [/a]\nrate: 5\nusers: 2\ndurationSeconds: 1\np95Ms: 50\n');
      expect(readLoadConfig(root, '.', 'load.yaml').endpoints).toEqual(['/a']);
      writeFileSync(
        join(root, 'load.yaml'),
        'endpoints: [/a, { method: POST, path: /o, body: { side: buy }, rate: 600 }]\nrate: 5\nusers: 2\ndurationSeconds: 1\np95Ms: 50\n',
      );
      expect(endpointsOf(readLoadConfig(root, '.', 'load.yaml'))).toEqual([
        { label: '/a', path: '/a', method: 'GET', rate: 5 },
        { label: 'POST /o', path: '/o', method: 'POST', body: { side: 'buy' }, rate: 600 },
      ]);
      expect(() => parseLoadConfig('endpoints: [{ method: PUT, path: /o }]\nrate: 1\nusers: 1\ndurationSeconds: 1\np95Ms: 1\n', 'l.yaml')).toThrow(
        LoadConfigError,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('oha', () => {
  it('runs at a constant arrival rate with latency corrected for coordinated omission', () => {
    expect(ohaArgs({ url: 'http://s/api', rate: 500, users: 1000, durationSeconds: 10 })).toEqual([
      '--no-tui',
      '--output-format',
      'json',
      '--latency-correction',
      '-w',
      '-q',
      '500',
      '-c',
      '1000',
      '-z',
      '10s',
      'http://s/api',
    ]);
  });

  it('sends a POST with its JSON body when the endpoint says so', () => {
    const args = ohaArgs({ url: 'http://s/api/orders', method: 'POST', body: { side: 'buy' }, rate: 600, users: 1000, durationSeconds: 10 });
    expect(args.slice(-7)).toEqual(['-m', 'POST', '-T', 'application/json', '-d', '{"side":"buy"}', 'http://s/api/orders']);
    expect(args).toContain('600');
  });

  it('turns its report into figures: rate achieved, percentiles in ms, non-2xx and unanswered as errors', () => {
    expect(parseOhaReport(report(), 10)).toEqual({
      requests: 10000,
      achievedRate: 1000,
      p50Ms: 4,
      p95Ms: 42.5,
      p99Ms: 90,
      maxMs: 200,
      errors: 0,
      errorKinds: {},
    });
    const bad = parseOhaReport(report({ statusCodeDistribution: { '200': 9000, '503': 800 }, errorDistribution: { 'connection refused': 200 } }), 10);
    expect([bad.requests, bad.errors, bad.errorKinds]).toEqual([10000, 1000, { 'HTTP 503': 800, 'connection refused': 200 }]);
    // The rate is over the sending window: the wait for the last answers (-w) does not dilute it.
    expect(parseOhaReport(report({ summary: { total: 10.15 } }), 10).achievedRate).toBe(1000);
    expect(parseOhaReport(report({ statusCodeDistribution: {}, latencyPercentiles: { p50: null, p95: null, p99: null } }), 10).achievedRate).toBe(0);
  });

  it('refuses a report it cannot read', () => {
    expect(() => parseOhaReport('Error: connection refused', 10)).toThrow(/not JSON/);
    expect(() => parseOhaReport('{"summary":{}}', 10)).toThrow(/unexpected shape/);
  });
});

describe('verdict', () => {
  const figures = parseOhaReport(report(), 10);
  it('passes under the bar with no error at the rate asked (within 1%)', () => {
    expect(judge(figures, { rate: 1000, p95Ms: 100 })).toEqual({ verdict: 'passed', reasons: [] });
    expect(judge({ ...figures, achievedRate: 990 }, { rate: 1000, p95Ms: 100 }).verdict).toBe('passed');
  });

  it('fails at or over the p95 bar, or on any error', () => {
    expect(judge({ ...figures, p95Ms: 100 }, { rate: 1000, p95Ms: 100 })).toEqual({ verdict: 'failed', reasons: ['p95 100 ms is not under 100 ms'] });
    expect(judge({ ...figures, errors: 1, errorKinds: { 'HTTP 500': 1 } }, { rate: 1000, p95Ms: 100 }).reasons).toEqual([
      '1 of 10000 requests failed (HTTP 500 x1)',
    ]);
  });

  it('marks a run that missed the rate by more than 1% invalid, whatever its latencies', () => {
    const judged = judge({ ...figures, achievedRate: 989.9 }, { rate: 1000, p95Ms: 100 });
    expect(judged.verdict).toBe('invalid');
    expect(judged.reasons[0]).toMatch(/achieved 989.9 req\/s, more than 1% below the 1000 req\/s asked/);
    expect(overall(['passed', 'invalid', 'failed'])).toBe('invalid');
    expect(overall(['passed', 'failed'])).toBe('failed');
    expect(overall(['passed', 'passed'])).toBe('passed');
  });

  it('renders a table with every figure and the reasons', () => {
    const md = renderLoad(
      'agents',
      { rate: 1000, users: 1000, durationSeconds: 10, p95Ms: 100 },
      [
        { path: '/a', rate: 1000, figures, verdict: 'passed', reasons: [] },
        { path: 'POST /b', rate: 600, figures: { ...figures, p95Ms: 150 }, verdict: 'failed', reasons: ['p95 150 ms is not under 100 ms'] },
      ],
      'failed',
    );
    expect(md).toContain('### Load test of agents: FAIL');
    expect(md).toContain('| `/a` | PASS | 1000 | 1000 | 4 | 42.5 | 90 | 200 | 0/10000 |');
    expect(md).toContain('| `POST /b` | FAIL | 600 |');
    expect(md).toContain('- `POST /b`: p95 150 ms is not under 100 ms');
  });
});
