import { createHash } from 'node:crypto';
import { canWrite, TokenRegistry } from '../src/tokens';

const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789';

describe('TokenRegistry', () => {
  const registry = new TokenRegistry([
    { name: 'ci-main', scope: 'read-write', token: WRITE },
    { name: 'ci-pr', scope: 'read', sha256: createHash('sha256').update(READ).digest('hex') },
  ]);

  it('resolves a bearer token to its name and scope', () => {
    expect(registry.authenticate(`Bearer ${WRITE}`)).toEqual({ ok: true, principal: { name: 'ci-main', scope: 'read-write' } });
    expect(registry.authenticate(`bearer   ${READ} `)).toEqual({ ok: true, principal: { name: 'ci-pr', scope: 'read' } });
    expect(registry.size).toBe(2);
  });

  it('tells a missing header from a malformed one and an unknown token', () => {
    expect(registry.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(registry.authenticate('')).toEqual({ ok: false, reason: 'missing' });
    expect(registry.authenticate(`Basic ${WRITE}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(registry.authenticate(`Bearer ${WRITE}x`)).toEqual({ ok: false, reason: 'unknown' });
    expect(registry.authenticate(`Bearer ${WRITE.slice(0, -1)}`)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('grants writes to read-write tokens only', () => {
    expect(canWrite({ name: 'a', scope: 'read-write' })).toBe(true);
    expect(canWrite({ name: 'b', scope: 'read' })).toBe(false);
  });

  it('refuses weak or ambiguous token definitions', () => {
    expect(() => new TokenRegistry([{ name: 'short', scope: 'read', token: 'abc' }])).toThrow(/shorter than 16/);
    expect(() => new TokenRegistry([{ name: 'both', scope: 'read', token: WRITE, sha256: 'a'.repeat(64) }])).toThrow(/not both/);
    expect(() => new TokenRegistry([{ name: 'neither', scope: 'read' }])).toThrow(/needs a token/);
    expect(() => new TokenRegistry([{ name: 'badhex', scope: 'read', sha256: 'xyz' }])).toThrow(/64-hex-digit/);
  });
});
