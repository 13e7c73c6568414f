/**
 * @jest-environment node
 */
import { GET } from '../app/healthz/route';

it('answers health checks with ok', async () => {
  const response = GET();
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain');
  await expect(response.text()).resolves.toBe('ok');
});
