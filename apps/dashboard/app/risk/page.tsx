import { RiskLimitsPanel } from '../../components/RiskLimitsPanel';
import { ServiceError } from '../../components/ServiceError';
import { load } from '../../lib/load';
import { serviceClient } from '../../lib/services';

export const dynamic = 'force-dynamic';

export default async function RiskPage() {
  const result = await load(() => serviceClient().riskLimits());
  return (
    <>
      <h1>Risk limits</h1>
      {result.ok ? <RiskLimitsPanel data={result.data} /> : <ServiceError service="Agents" message={result.error} />}
    </>
  );
}
