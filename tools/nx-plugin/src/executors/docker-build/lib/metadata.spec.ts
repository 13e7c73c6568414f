import { imageMetadata, imageRepository, sanitizeTag } from './metadata';

const SHA = '0848f5d481d1447657a26ab1a6e18787bfbc3a93';
const REVISION = '5d2c0a3f9b1e4c7d8a6f0e2b4c6d8e0f1a3b5c7d';
const source = { sha: SHA, revision: REVISION, source: 'https://github.com/acme/trading', created: '2026-11-26T00:00:00.000Z' };

describe('image metadata', () => {
  it("tags a branch build with the checkout's full SHA, short SHA, branch and version; labels it with its sources' revision", () => {
    const meta = imageMetadata({
      image: 'agents',
      registry: '127.0.0.1:5000/trading/',
      version: '0.1.0',
      source: { ...source, branch: 'feature/Risk limits' },
    });
    expect(meta.repository).toBe('127.0.0.1:5000/trading/agents');
    expect(meta.tags).toEqual([SHA, 'sha-0848f5d', 'feature-Risk-limits', '0.1.0']);
    expect(meta.labels).toEqual({
      'org.opencontainers.image.title': 'agents',
      'org.opencontainers.image.revision': REVISION,
      'org.opencontainers.image.source': 'https://github.com/acme/trading',
      'org.opencontainers.image.version': '0.1.0',
      'org.opencontainers.image.created': '2026-11-26T00:00:00.000Z',
    });
  });

  it('tags a pull request build pr-<n>, and dedupes extra tags', () => {
    const meta = imageMetadata({ image: 'team/engine', version: '1.2.3', source: { ...source, pullRequest: 42, branch: 'x' }, extraTags: ['1.2.3', 'latest'] });
    expect(meta.repository).toBe('team/engine');
    expect(meta.tags).toEqual([SHA, 'sha-0848f5d', 'pr-42', '1.2.3', 'latest']);
    expect(meta.labels['org.opencontainers.image.title']).toBe('engine');
  });

  it('refuses a short SHA and an invalid repository name', () => {
    expect(() => imageMetadata({ image: 'a', version: '1', source: { ...source, sha: 'abc123' } })).toThrow(/not a full git commit SHA/);
    expect(() => imageMetadata({ image: 'a', version: '1', source: { ...source, revision: 'HEAD' } })).toThrow(/"HEAD" is not a full git commit SHA/);
    expect(() => imageRepository('Agents')).toThrow(/not a valid repository name/);
    expect(() => imageRepository('a//b')).toThrow(/not a valid repository name/);
  });

  it('sanitises tags to what registries accept', () => {
    expect(sanitizeTag('release/v1.2')).toBe('release-v1.2');
    expect(sanitizeTag('-.lead')).toBe('lead');
    expect(sanitizeTag('trail-')).toBe('trail');
    expect(sanitizeTag('///')).toBe('untagged');
    expect(sanitizeTag('x'.repeat(200))).toHaveLength(128);
  });
});
