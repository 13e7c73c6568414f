import { EngineBookingsTable } from '../../components/EngineBookingsTable';
import { OrderIntentsTable } from '../../components/OrderIntentsTable';
import { ServiceError } from '../../components/ServiceError';
import { load } from '../../lib/load';
import { serviceClient } from '../../lib/services';

export const dynamic = 'force-dynamic';

/** Signal to book: the agents' order intents beside the engine's bookings (each service on its own). */
export default async function OrdersPage() {
  const client = serviceClient();
  const [intents, bookings] = await Promise.all([load(() => client.agentOrders()), load(() => client.engineOrders())]);
  return (
    <>
      <h1>Orders</h1>
      <h2>Order intents (agents)</h2>
      {intents.ok ? <OrderIntentsTable data={intents.data} /> : <ServiceError service="Agents" message={intents.error} />}
      <h2>Bookings (execution engine)</h2>
      {bookings.ok ? <EngineBookingsTable data={bookings.data} /> : <ServiceError service="Execution engine" message={bookings.error} />}
    </>
  );
}
