import { ApiError } from './api-error';
import { createApiClient } from './client';

function respond(status: number, body: unknown): typeof fetch {
  return jest.fn(async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })) as unknown as typeof fetch;
}

const positions = {
  equity: '250000.00',
  halted: false,
  positions: [{ instrument: 'BTC-USD', quantity: '1.5', averagePrice: '40000', realizedPnl: '-2.5', unrealizedPnl: '150.25' }],
};

describe('createApiClient', () => {
  it('fetches and validates positions from the agents service', async () => {
    const fetchMock = respond(200, positions);
    const client = createApiClient({ agentsUrl: 'http://agents:8000', engineUrl: 'http://engine:8080', fetch: fetchMock });
    await expect(client.positions()).resolves.toEqual(positions);
    expect((fetchMock as jest.Mock).mock.calls[0][0]).toBe('http://agents:8000/api/positions');
  });

  it('reads risk limits from the agents service and status from the engine', async () => {
    const limits = { maxGrossExposure: '500000', maxDrawdown: '0.1', drawdown: '0', maxPosition: { 'BTC-USD': '2' } };
    const status = { version: '0.1.0', instrument: 'BTC-USD', best_bid: null, best_ask: '40000', resting_bids: 0, resting_asks: 1, position: '0' };
    const fetchMock = jest.fn(async (url: string) => new Response(JSON.stringify(url.includes('8080') ? status : limits))) as unknown as typeof fetch;
    const client = createApiClient({ agentsUrl: 'http://a:8000', engineUrl: 'http://e:8080', fetch: fetchMock });
    await expect(client.riskLimits()).resolves.toEqual(limits);
    await expect(client.engineStatus()).resolves.toEqual(status);
  });

  it('reads an engine status without the deprecated per-instrument position (an engine release that dropped it)', async () => {
    const status = { version: '0.2.0', instrument: 'BTC-USD', best_bid: '39999', best_ask: null, resting_bids: 2, resting_asks: 0 };
    const client = createApiClient({ agentsUrl: 'http://a:8000', engineUrl: 'http://e:8080', fetch: respond(200, status) });
    await expect(client.engineStatus()).resolves.toEqual(status);
  });

  it('reports an unreachable service with its URL', async () => {
    const fetchMock = jest.fn(async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    const client = createApiClient({ agentsUrl: 'http://a:1', engineUrl: 'http://e:1', fetch: fetchMock });
    const error = await client.engineStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).reason).toBe('unreachable');
    expect((error as ApiError).message).toBe('http://e:1/api/status: unreachable (fetch failed)');
  });

  it('reports non-2xx statuses', async () => {
    const client = createApiClient({ agentsUrl: 'http://a', engineUrl: 'http://e', fetch: respond(503, 'halted') });
    await expect(client.positions()).rejects.toMatchObject({ reason: 'status', status: 503 });
  });

  it('rejects bodies that are not JSON', async () => {
    const client = createApiClient({ agentsUrl: 'http://a', engineUrl: 'http://e', fetch: respond(200, '<html>') });
    await expect(client.positions()).rejects.toMatchObject({ reason: 'invalid-body', message: 'http://a/api/positions: response is not JSON' });
  });

  it('rejects bodies that do not match the schema, naming the field', async () => {
    const bad = { ...positions, equity: 250000.1 };
    const client = createApiClient({ agentsUrl: 'http://a', engineUrl: 'http://e', fetch: respond(200, bad) });
    await expect(client.positions()).rejects.toThrow(/unexpected body at equity/);
  });

  it('names the root when the whole body is wrong', async () => {
    const client = createApiClient({ agentsUrl: 'http://a', engineUrl: 'http://e', fetch: respond(200, 42) });
    await expect(client.positions()).rejects.toThrow(/unexpected body at \(root\)/);
  });

  it('uses the global fetch by default', async () => {
    const original = global.fetch;
    global.fetch = respond(200, positions);
    try {
      const client = createApiClient({ agentsUrl: 'http://a', engineUrl: 'http://e' });
      await expect(client.positions()).resolves.toEqual(positions);
    } finally {
      global.fetch = original;
    }
  });

  it("lists the agents' order intents and the engine's bookings", async () => {
    const intents = {
      counts: { pending: 0, booked: 1, refused: 0 },
      orders: [
        {
          clientOrderId: 'agents-1-1',
          instrument: 'BTC-USD',
          side: 'buy',
          quantity: '0.5',
          limitPrice: '40000',
          status: 'booked',
          attempts: 1,
          lastError: null,
          engineOrderId: 3,
          filledQuantity: '0',
        },
      ],
    };
    const bookings = { orders: [{ id: 3, client_order_id: 'agents-1-1', instrument: 'BTC-USD', side: 'buy', price: '40000', quantity: '0.5', trades: [] }] };
    const fetchMock = jest.fn(async (url: string) => new Response(JSON.stringify(url.includes('8080') ? bookings : intents)));
    const client = createApiClient({ agentsUrl: 'http://agents:8000', engineUrl: 'http://engine:8080', fetch: fetchMock as unknown as typeof fetch });
    await expect(client.agentOrders()).resolves.toEqual(intents);
    await expect(client.engineOrders()).resolves.toEqual(bookings);
    expect(fetchMock.mock.calls.map((c) => c[0])).toEqual(['http://agents:8000/api/orders', 'http://engine:8080/api/orders']);
  });
});
