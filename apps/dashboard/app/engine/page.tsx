import { EngineStatusCard } from '../../components/EngineStatusCard';
import { ServiceError } from '../../components/ServiceError';
import { load } from '../../lib/load';
import { serviceClient } from '../../lib/services';

export const dynamic = 'force-dynamic';

export default async function EnginePage() {
  const result = await load(() => serviceClient().engineStatus());
  return (
    <>
      <h1>Execution engine</h1>
      {result.ok ? <EngineStatusCard data={result.data} /> : <ServiceError service="Execution engine" message={result.error} />}
    </>
  );
}
