/**
 * @jest-environment node
 */
import { GET } from '../app/api/deployments/route';

describe('GET /api/deployments', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('answers the releases as JSON, never cached', async () => {
    delete process.env.RELEASES_NAMESPACES;
    delete process.env.RELEASES_NAMESPACE;
    const response = await GET();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body.environments).toEqual([]);
    expect(Date.parse(body.readAt)).not.toBeNaN();
  });

  it('answers 500 with the reason when its configuration is wrong', async () => {
    process.env.RELEASES_NAMESPACES = 'staging';
    const response = await GET();
    expect(response.status).toBe(500);
    expect((await response.json()).error).toMatch(/RELEASES_NAMESPACES: "staging" is not environment=namespace/);
  });
});
