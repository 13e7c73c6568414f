import { parseBuildxInspect, usableForBuildKit } from './buildx';

const remote = `Name:          trading
Driver:        remote
Last Activity: 2026-11-27 13:58:31 +0000 UTC

Nodes:
Name:             trading0
Endpoint:         unix:///run/trading-buildkit/buildkitd.sock
Status:           running
BuildKit version: v0.30.0
`;

describe('parseBuildxInspect', () => {
  it('reads the current builder: its name, driver and whether its node runs', () => {
    expect(parseBuildxInspect(remote)).toEqual({ name: 'trading', driver: 'remote', running: true });
    expect(parseBuildxInspect(remote.replace('Status:           running', 'Status:           inactive'))?.running).toBe(false);
    expect(parseBuildxInspect('ERROR: no builder "x" found')).toBeUndefined();
  });

  it("uses BuildKit only through a running builder other than the engine's embedded one", () => {
    expect(usableForBuildKit(parseBuildxInspect(remote))).toBe(true);
    expect(usableForBuildKit(parseBuildxInspect(remote.replace('Driver:        remote', 'Driver:        docker')))).toBe(false);
    expect(usableForBuildKit(parseBuildxInspect(remote.replace('running', 'stopped')))).toBe(false);
    expect(usableForBuildKit(undefined)).toBe(false);
  });
});
