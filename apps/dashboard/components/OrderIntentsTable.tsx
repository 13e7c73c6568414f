import type { AgentOrders } from '@trading/api-client';
import { formatDecimal } from '../lib/format';

/** The agents' order intents, newest first, with how the engine answered each. */
export function OrderIntentsTable({ data }: { data: AgentOrders }) {
  const { counts, orders } = data;
  return (
    <section aria-label="Order intents">
      <p>
        {counts.booked} booked, {counts.pending} pending, {counts.refused} refused
      </p>
      {orders.length === 0 ? (
        <p>No order intents yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Client order id</th>
              <th>Instrument</th>
              <th>Side</th>
              <th>Quantity</th>
              <th>Limit</th>
              <th>Status</th>
              <th>Engine id</th>
              <th>Filled</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.clientOrderId} data-status={o.status}>
                <td>{o.clientOrderId}</td>
                <td>{o.instrument}</td>
                <td>{o.side}</td>
                <td>{formatDecimal(o.quantity)}</td>
                <td>{formatDecimal(o.limitPrice)}</td>
                <td title={o.lastError ?? undefined}>{o.status}</td>
                <td>{o.engineOrderId ?? '—'}</td>
                <td>{formatDecimal(o.filledQuantity)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
