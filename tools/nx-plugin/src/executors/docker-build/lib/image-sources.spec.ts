import { imageSourcePaths, SHARED_IMAGE_SOURCES } from './image-sources';

describe('imageSourcePaths', () => {
  const node = (name: string, root: string) => ({ name, type: 'lib' as const, data: { root } });
  const graph = {
    nodes: {
      agents: node('agents', 'apps/agents'),
      'trading-core': node('trading-core', 'libs/trading-core'),
      'agents-api': node('agents-api', 'libs/agents-api'),
      dashboard: node('dashboard', 'apps/dashboard'),
      workspace: node('workspace', '.'),
    },
    dependencies: {
      agents: [
        { source: 'agents', target: 'trading-core', type: 'static' },
        { source: 'agents', target: 'npm:zod', type: 'static' },
      ],
      'trading-core': [{ source: 'trading-core', target: 'agents-api', type: 'implicit' }],
      'agents-api': [{ source: 'agents-api', target: 'trading-core', type: 'static' }], // a cycle is walked once
      dashboard: [{ source: 'dashboard', target: 'workspace', type: 'implicit' }],
      workspace: [],
    },
  };

  it("is the project's root and every project it depends on, directly or not, then what every image shares", () => {
    expect(imageSourcePaths(graph, 'agents')).toEqual(['apps/agents', 'libs/agents-api', 'libs/trading-core', ...SHARED_IMAGE_SOURCES]);
  });

  it("leaves out the workspace's root project (its files are the shared root files) and the projects that depend on it", () => {
    expect(imageSourcePaths(graph, 'dashboard')).toEqual(['apps/dashboard', ...SHARED_IMAGE_SOURCES]);
    expect(imageSourcePaths(graph, 'trading-core')).not.toContain('apps/agents');
  });

  it('refuses a project the graph does not hold', () => {
    expect(() => imageSourcePaths(graph, 'nope')).toThrow(/nope is not a project of the workspace's graph/);
  });
});
