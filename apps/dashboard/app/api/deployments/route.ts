import { NextResponse } from 'next/server';
import { readReleases } from '../../../lib/releases';

// The Deployments page's data as JSON, read from the cluster on every request (the page polls it).
export const dynamic = 'force-dynamic';

export async function GET() {
  try {
    return NextResponse.json(await readReleases(), { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return NextResponse.json({ error: (error as Error).message }, { status: 500, headers: { 'cache-control': 'no-store' } });
  }
}
