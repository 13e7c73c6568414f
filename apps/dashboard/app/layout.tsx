import type { ReactNode } from 'react';
import Link from 'next/link';
import './global.css';

export const metadata = {
  title: 'Trading dashboard',
  description: 'Positions, risk limits and execution engine status',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <nav>
            <Link href="/">Overview</Link> <Link href="/positions">Positions</Link>{' '}
            <Link href="/risk">Risk limits</Link> <Link href="/engine">Engine</Link>{' '}
            <Link href="/orders">Orders</Link>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
