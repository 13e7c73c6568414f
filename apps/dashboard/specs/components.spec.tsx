import { render, screen, within } from '@testing-library/react';
import { EngineStatusCard } from '../components/EngineStatusCard';
import { PositionsTable } from '../components/PositionsTable';
import { RiskLimitsPanel } from '../components/RiskLimitsPanel';
import { ServiceError } from '../components/ServiceError';

describe('PositionsTable', () => {
  it('lists positions with PnL colouring', () => {
    render(
      <PositionsTable
        data={{
          equity: '250000.5',
          halted: false,
          positions: [{ instrument: 'BTC-USD', quantity: '1.5', averagePrice: '40000', realizedPnl: '-12', unrealizedPnl: '300' }],
        }}
      />,
    );
    expect(screen.getByText('250,000.5')).toBeInTheDocument();
    const row = screen.getByRole('row', { name: /BTC-USD/ });
    expect(within(row).getByText('40,000')).toBeInTheDocument();
    expect(within(row).getByText('-12')).toHaveClass('loss');
    expect(within(row).getByText('300')).toHaveClass('gain');
    expect(screen.queryByText(/halted/)).not.toBeInTheDocument();
  });

  it('says when there is nothing open and when trading is halted', () => {
    render(<PositionsTable data={{ equity: '1', halted: true, positions: [] }} />);
    expect(screen.getByText('No open positions.')).toBeInTheDocument();
    expect(screen.getByText(/halted by drawdown stop/)).toBeInTheDocument();
  });
});

describe('RiskLimitsPanel', () => {
  it('shows limits per instrument and drawdown against its maximum', () => {
    render(<RiskLimitsPanel data={{ maxGrossExposure: '500000', maxDrawdown: '0.1', drawdown: '0.025', maxPosition: { 'BTC-USD': '2', 'ETH-USD': '40' } }} />);
    expect(screen.getByText('500,000')).toBeInTheDocument();
    expect(screen.getByText('2.5% of 10% allowed')).toBeInTheDocument();
    expect(within(screen.getByRole('row', { name: /ETH-USD/ })).getByText('40')).toBeInTheDocument();
  });
});

describe('EngineStatusCard', () => {
  it('shows quotes, dashes for an empty side, and resting orders', () => {
    render(<EngineStatusCard data={{ version: '0.1.0', instrument: 'BTC-USD', best_bid: null, best_ask: '40000.5', resting_bids: 0, resting_asks: 3 }} />);
    expect(screen.getByText('v0.1.0')).toBeInTheDocument();
    expect(screen.getByText('—')).toBeInTheDocument();
    expect(screen.getByText('40,000.5')).toBeInTheDocument();
    expect(screen.getByText('0 bids / 3 asks')).toBeInTheDocument();
    // The engine's per-instrument position meant nothing (positions are per account): not shown.
    expect(screen.queryByText('Position')).not.toBeInTheDocument();
  });
});

describe('ServiceError', () => {
  it('renders an alert naming the service', () => {
    render(<ServiceError service="Agents" message="http://a/api/positions: HTTP 503" />);
    expect(screen.getByRole('alert')).toHaveTextContent('Agents unavailable. http://a/api/positions: HTTP 503');
  });
});
