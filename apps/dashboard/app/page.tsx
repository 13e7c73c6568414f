import Link from 'next/link';

export default function Overview() {
  return (
    <section>
      <h1>Trading platform</h1>
      <ul>
        <li>
          <Link href="/positions">Positions and PnL</Link> from the agents
        </li>
        <li>
          <Link href="/risk">Risk limits and drawdown</Link> from the agents
        </li>
        <li>
          <Link href="/engine">Execution engine status</Link>
        </li>
        <li>
          <Link href="/orders">Orders</Link>: the agents' intents and the engine's bookings
        </li>
        <li>
          <Link href="/deployments">Deployments</Link>: what is live in each environment, what is being judged, and every release's outcome
        </li>
      </ul>
    </section>
  );
}
