import { PositionsTable } from '../../components/PositionsTable';
import { ServiceError } from '../../components/ServiceError';
import { load } from '../../lib/load';
import { serviceClient } from '../../lib/services';

export const dynamic = 'force-dynamic';

export default async function PositionsPage() {
  const result = await load(() => serviceClient().positions());
  return (
    <>
      <h1>Positions</h1>
      {result.ok ? <PositionsTable data={result.data} /> : <ServiceError service="Agents" message={result.error} />}
    </>
  );
}
