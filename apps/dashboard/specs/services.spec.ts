/**
 * @jest-environment node
 */
import { serviceClient } from '../lib/services';

describe('serviceClient', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('uses AGENTS_URL and ENGINE_URL when set, local ports otherwise', async () => {
    const urls: string[] = [];
    global.fetch = jest.fn(async (url: string) => {
      urls.push(url);
      return new Response('{}');
    }) as unknown as typeof fetch;
    await serviceClient({ AGENTS_URL: 'http://agents.staging:8000' })
      .positions()
      .catch(() => undefined);
    await serviceClient({})
      .engineStatus()
      .catch(() => undefined);
    expect(urls).toEqual(['http://agents.staging:8000/api/positions', 'http://127.0.0.1:8080/api/status']);
  });
});
