import { DeploymentsView } from '../../components/DeploymentsView';
import { readReleases, type Releases } from '../../lib/releases';

// What is deployed where, what is being judged and what happened to each release: read from the
// cluster through the release model on each request, then again every 2 s in the browser.
export const dynamic = 'force-dynamic';

export default async function DeploymentsPage() {
  let initial: Releases;
  try {
    initial = await readReleases();
  } catch (error) {
    initial = { readAt: new Date().toISOString(), environments: [{ environment: '?', namespace: '?', error: (error as Error).message }] };
  }
  return (
    <>
      <h1>Deployments</h1>
      <DeploymentsView initial={initial} />
    </>
  );
}
