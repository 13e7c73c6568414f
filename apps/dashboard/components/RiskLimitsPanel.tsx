import type { RiskLimits } from '@trading/api-client';
import { formatDecimal, formatPercent } from '../lib/format';

export function RiskLimitsPanel({ data }: { data: RiskLimits }) {
  return (
    <section>
      <dl>
        <dt>Max gross exposure</dt>
        <dd>{formatDecimal(data.maxGrossExposure)}</dd>
        <dt>Drawdown</dt>
        <dd>
          {formatPercent(data.drawdown)} of {formatPercent(data.maxDrawdown)} allowed
        </dd>
      </dl>
      <table>
        <thead>
          <tr>
            <th>Instrument</th>
            <th>Max position</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(data.maxPosition).map(([instrument, max]) => (
            <tr key={instrument}>
              <td>{instrument}</td>
              <td>{formatDecimal(max)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
