import type { EngineOrders } from '@trading/api-client';
import { formatDecimal } from '../lib/format';

/** The engine's bookings, newest first. */
export function EngineBookingsTable({ data }: { data: EngineOrders }) {
  if (data.orders.length === 0) return <p>No bookings yet.</p>;
  return (
    <table aria-label="Engine bookings">
      <thead>
        <tr>
          <th>Id</th>
          <th>Client order id</th>
          <th>Side</th>
          <th>Price</th>
          <th>Quantity</th>
          <th>Trades</th>
        </tr>
      </thead>
      <tbody>
        {data.orders.map((o) => (
          <tr key={o.id}>
            <td>{o.id}</td>
            <td>{o.client_order_id ?? '—'}</td>
            <td>{o.side}</td>
            <td>{formatDecimal(o.price)}</td>
            <td>{formatDecimal(o.quantity)}</td>
            <td>{o.trades.length}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
