import { render, screen } from '@testing-library/react';
import { ApiError } from '@trading/api-client';
import EnginePage from '../app/engine/page';
import OrdersPage from '../app/orders/page';
import RootLayout from '../app/layout';
import Overview from '../app/page';
import PositionsPage from '../app/positions/page';
import RiskPage from '../app/risk/page';
import DeploymentsPage from '../app/deployments/page';
import { load } from '../lib/load';
import { serviceClient } from '../lib/services';

jest.mock('../lib/services', () => ({ serviceClient: jest.fn() }));
const client = serviceClient as jest.MockedFunction<typeof serviceClient>;

function stubClient(overrides: Partial<ReturnType<typeof serviceClient>>) {
  const unreachable = () => Promise.reject(new ApiError('http://x', 'unreachable', 'unreachable (refused)'));
  client.mockReturnValue({
    positions: unreachable,
    riskLimits: unreachable,
    engineStatus: unreachable,
    agentOrders: unreachable,
    engineOrders: unreachable,
    ...overrides,
  });
}

describe('pages', () => {
  it('renders positions from the agents', async () => {
    stubClient({ positions: async () => ({ equity: '10', halted: false, positions: [] }) });
    render(await PositionsPage());
    expect(screen.getByRole('heading', { name: 'Positions' })).toBeInTheDocument();
    expect(screen.getByText('No open positions.')).toBeInTheDocument();
  });

  it('renders risk limits', async () => {
    stubClient({ riskLimits: async () => ({ maxGrossExposure: '1', maxDrawdown: '0.1', drawdown: '0', maxPosition: {} }) });
    render(await RiskPage());
    expect(screen.getByText('0% of 10% allowed')).toBeInTheDocument();
  });

  it.each([
    ['positions', PositionsPage, 'Agents unavailable.'],
    ['risk', RiskPage, 'Agents unavailable.'],
    ['engine', EnginePage, 'Execution engine unavailable.'],
  ])('the %s page shows an alert when its service is down', async (_name, Page, text) => {
    stubClient({});
    render(await Page());
    expect(screen.getByRole('alert')).toHaveTextContent(text);
  });

  it('renders engine status', async () => {
    stubClient({
      engineStatus: async () => ({ version: '9', instrument: 'ETH-USD', best_bid: '1', best_ask: '2', resting_bids: 1, resting_asks: 1, position: '0' }),
    });
    render(await EnginePage());
    expect(screen.getByText('ETH-USD')).toBeInTheDocument();
  });

  it("renders the agents' order intents beside the engine's bookings", async () => {
    stubClient({
      agentOrders: async () => ({
        counts: { pending: 1, booked: 1, refused: 0 },
        orders: [
          {
            clientOrderId: 'agents-a-2',
            instrument: 'BTC-USD',
            side: 'sell',
            quantity: '0.5',
            limitPrice: '40000.5',
            status: 'pending',
            attempts: 3,
            lastError: 'engine unreachable',
            engineOrderId: null,
            filledQuantity: '0',
          },
          {
            clientOrderId: 'agents-a-1',
            instrument: 'BTC-USD',
            side: 'buy',
            quantity: '1',
            limitPrice: '40000',
            status: 'booked',
            attempts: 1,
            lastError: null,
            engineOrderId: 7,
            filledQuantity: '0.25',
          },
        ],
      }),
      engineOrders: async () => ({
        orders: [
          {
            id: 7,
            client_order_id: 'agents-a-1',
            instrument: 'BTC-USD',
            side: 'buy',
            price: '40000',
            quantity: '1',
            trades: [{ maker: 6, taker: 7, price: '40000', quantity: '0.25' }],
          },
        ],
      }),
    });
    render(await OrdersPage());
    expect(screen.getByText('1 booked, 1 pending, 0 refused')).toBeInTheDocument();
    expect(screen.getByTitle('engine unreachable')).toHaveTextContent('pending');
    const bookings = screen.getByRole('table', { name: 'Engine bookings' });
    expect(bookings).toHaveTextContent('agents-a-1');
    expect(bookings).toHaveTextContent('40,000');
  });

  it('the orders page shows each service on its own: empty lists, or an alert for the one down', async () => {
    stubClient({ agentOrders: async () => ({ counts: { pending: 0, booked: 0, refused: 0 }, orders: [] }) });
    render(await OrdersPage());
    expect(screen.getByText('No order intents yet.')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Execution engine unavailable.');
    stubClient({ engineOrders: async () => ({ orders: [] }) });
    render(await OrdersPage());
    expect(screen.getByText('No bookings yet.')).toBeInTheDocument();
  });

  it('renders the Deployments page, saying so when no environment is configured, and why one cannot be read', async () => {
    const saved = { ...process.env };
    try {
      delete process.env.RELEASES_NAMESPACES;
      delete process.env.RELEASES_NAMESPACE;
      const { unmount } = render(await DeploymentsPage());
      expect(screen.getByRole('heading', { name: 'Deployments' })).toBeInTheDocument();
      expect(screen.getByText(/No environment configured/)).toBeInTheDocument();
      unmount();
      process.env.RELEASES_NAMESPACES = 'staging:x';
      render(await DeploymentsPage());
      expect(screen.getByText(/is not environment=namespace/)).toBeInTheDocument();
    } finally {
      process.env = saved;
    }
  });

  it('renders the overview with links to every page', () => {
    render(<Overview />);
    expect(screen.getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual(['/positions', '/risk', '/engine', '/orders', '/deployments']);
  });

  it('renders the layout navigation around its children', () => {
    // The layout renders <html>; render its body content into a container the test owns.
    const { container } = render(<RootLayout>child</RootLayout>, { container: document.documentElement });
    expect(container.querySelector('nav')?.textContent).toContain('Risk limits');
    expect(container.querySelector('main')?.textContent).toBe('child');
    expect(container.querySelector('footer')?.textContent).toBe('Release development build');
  });

  it('names the release it runs in the footer', () => {
    process.env.RELEASE_REVISION = '0123456789ab';
    try {
      const { container } = render(<RootLayout>child</RootLayout>, { container: document.documentElement });
      expect(container.querySelector('footer')?.textContent).toBe('Release 0123456789ab');
    } finally {
      delete process.env.RELEASE_REVISION;
    }
  });
});

describe('load', () => {
  it('rethrows errors that are not service failures', async () => {
    await expect(load(() => Promise.reject(new RangeError('bug')))).rejects.toThrow('bug');
  });
});
