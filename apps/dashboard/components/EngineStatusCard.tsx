import type { EngineStatus } from '@trading/api-client';
import { formatDecimal } from '../lib/format';

export function EngineStatusCard({ data }: { data: EngineStatus }) {
  const quote = (price: string | null) => (price === null ? '—' : formatDecimal(price));
  return (
    <section>
      <p>
        Engine <strong>v{data.version}</strong> trading <strong>{data.instrument}</strong>
      </p>
      <dl>
        <dt>Best bid</dt>
        <dd>{quote(data.best_bid)}</dd>
        <dt>Best ask</dt>
        <dd>{quote(data.best_ask)}</dd>
        <dt>Resting orders</dt>
        <dd>
          {data.resting_bids} bids / {data.resting_asks} asks
        </dd>
      </dl>
    </section>
  );
}
