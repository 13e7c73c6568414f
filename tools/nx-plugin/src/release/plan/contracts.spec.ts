import { parseFile, migrationPlan } from '../config/migrations';
import { recordContracts, recordLive, recordRollback, previousGood, type Release } from '@trading/release-model';
import { contractDecision, contractPlan, contractsCrossed } from './contracts';

const file = (version: string, kind: 'expand' | 'contract') => parseFile(`${version}_m.sql`, `-- release: ${kind}\n-- migrate:up\nSELECT 1;\n`, 'test');
const C1 = file('20261203000000', 'contract');
const C2 = file('20261205000000', 'contract');
const base = { gitSha: 'abc', time: 't', actor: 'ci', kind: 'deploy' as const, color: 'blue' as const };
const deploy = (h: Release[], n: number, contracts?: string[]) =>
  recordLive(h, { ...base, image: `img${n}`, release: `r${n}`, ...(contracts ? { contracts } : {}) });

describe('contract migrations through the deploy (deploy --contract)', () => {
  it('runs one only when neither the live release nor the standby lacks it', () => {
    // r1 predates C1; r2 carries it: the standby r1 may still read what C1 removes.
    let h = deploy(deploy([], 1), 2, [C1.name]);
    const first = contractDecision([C1], h);
    expect(first.run).toEqual([]);
    expect(first.refused).toEqual([{ file: C1.name, reason: expect.stringMatching(/^the standby release r1 \(rev 1\) does not carry it/) }]);
    // r3 carries it too: live r3 and standby r2 both do.
    h = deploy(h, 3, [C1.name]);
    expect(contractDecision([C1], h)).toEqual({ run: [C1], refused: [] });
    // With no standby at all (a first release), the live one alone decides.
    expect(contractDecision([C1], deploy([], 1, [C1.name])).run).toEqual([C1]);
    expect(contractDecision([C1], deploy([], 1)).refused[0].reason).toMatch(/^the live release r1 \(rev 1\) does not carry it/);
    expect(contractDecision([C1], []).refused[0].reason).toBe('no release is recorded live');
  });

  it('in version order: a refused one holds back every later one', () => {
    const h = deploy(deploy([], 1, [C2.name]), 2, [C1.name, C2.name]);
    const decision = contractDecision([C2, C1], h);
    expect(decision.run).toEqual([]);
    expect(decision.refused.map((r) => r.file)).toEqual([C1.name, C2.name]);
    expect(decision.refused[1].reason).toBe(`after ${C1.name}, which is held back`);
  });

  it('gives dbmate the expand files and the allowed contract ones, in version order, under a name of their own', () => {
    const plan = migrationPlan({ config: 'x', table: 't', files: [file('20261201000000', 'expand'), C1, file('20261204000000', 'expand'), C2] });
    const run = contractPlan(plan, [C1]);
    expect(run.apply.map((f) => f.version)).toEqual(['20261201000000', '20261203000000', '20261204000000']);
    expect(run.held).toEqual([C2]);
    expect(run.schemaVersion).toBe('20261204000000');
    expect(run.hash).not.toBe(plan.hash);
  });

  it('once one ran, a rollback to a release without it is refused; one that carries it is fine', () => {
    let h = deploy(deploy(deploy([], 1), 2, [C1.name]), 3, [C1.name]);
    h = recordContracts(h, 'r3', [C1.name], '20261203000000', 'svc-migrate-x');
    expect(h.at(-1)).toMatchObject({ release: 'r3', contracted: [C1.name], schemaVersion: '20261203000000', migrations: 'svc-migrate-x' });
    expect(contractsCrossed(h, previousGood(h)!)).toEqual([]);
    h = recordRollback(h, { ...previousGood(h)!, color: 'green' }, 'now', 'oncall', 'manual');
    expect(previousGood(h)?.release).toBe('r1');
    expect(contractsCrossed(h, previousGood(h)!)).toEqual([C1.name]);
  });
});
