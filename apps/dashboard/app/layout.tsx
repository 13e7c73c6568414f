import type { ReactNode } from 'react';
import Link from 'next/link';
import './global.css';

// Rendered per request: the footer names the release this server runs (RELEASE_REVISION, which the
// deploy sets from the pod's version label), never a value baked in at build time.
export const dynamic = 'force-dynamic';

export const metadata = {
  title: 'Trading dashboard',
  description: 'Positions, risk limits, execution engine status and deployments',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <nav>
            <Link href="/">Overview</Link> <Link href="/positions">Positions</Link> <Link href="/risk">Risk limits</Link> <Link href="/engine">Engine</Link>{' '}
            <Link href="/orders">Orders</Link> <Link href="/deployments">Deployments</Link>
          </nav>
        </header>
        <main>{children}</main>
        <footer>
          Release <span data-testid="release">{process.env.RELEASE_REVISION ?? 'development build'}</span>
        </footer>
      </body>
    </html>
  );
}
