import type { Positions } from '@trading/api-client';
import { formatDecimal, pnlClass } from '../lib/format';

export function PositionsTable({ data }: { data: Positions }) {
  return (
    <section>
      <p>
        Equity <strong>{formatDecimal(data.equity)}</strong>
        {data.halted && <span className="badge loss"> trading halted by drawdown stop</span>}
      </p>
      {data.positions.length === 0 ? (
        <p>No open positions.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Instrument</th>
              <th>Quantity</th>
              <th>Avg price</th>
              <th>Realized PnL</th>
              <th>Unrealized PnL</th>
            </tr>
          </thead>
          <tbody>
            {data.positions.map((p) => (
              <tr key={p.instrument}>
                <td>{p.instrument}</td>
                <td>{formatDecimal(p.quantity)}</td>
                <td>{formatDecimal(p.averagePrice)}</td>
                <td className={pnlClass(p.realizedPnl)}>{formatDecimal(p.realizedPnl)}</td>
                <td className={pnlClass(p.unrealizedPnl)}>{formatDecimal(p.unrealizedPnl)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
