import { render, screen } from '@testing-library/react';
import { ApiError } from '@trading/api-client';
import EnginePage from '../app/engine/page';
import RootLayout from '../app/layout';
import Overview from '../app/page';
import PositionsPage from '../app/positions/page';
import RiskPage from '../app/risk/page';
import { load } from '../lib/load';
import { serviceClient } from '../lib/services';

jest.mock('../lib/services', () => ({ serviceClient: jest.fn() }));
const client = serviceClient as jest.MockedFunction<typeof serviceClient>;

function stubClient(overrides: Partial<ReturnType<typeof serviceClient>>) {
  const unreachable = () => Promise.reject(new ApiError('http://x', 'unreachable', 'unreachable (refused)'));
  client.mockReturnValue({ positions: unreachable, riskLimits: unreachable, engineStatus: unreachable, ...overrides });
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

  it('renders the overview with links to every page', () => {
    render(<Overview />);
    expect(screen.getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual(['/positions', '/risk', '/engine']);
  });

  it('renders the layout navigation around its children', () => {
    // The layout renders <html>; render its body content into a container the test owns.
    const { container } = render(<RootLayout>child</RootLayout>, { container: document.documentElement });
    expect(container.querySelector('nav')?.textContent).toContain('Risk limits');
    expect(container.querySelector('main')?.textContent).toBe('child');
  });
});

describe('load', () => {
  it('rethrows errors that are not service failures', async () => {
    await expect(load(() => Promise.reject(new RangeError('bug')))).rejects.toThrow('bug');
  });
});
