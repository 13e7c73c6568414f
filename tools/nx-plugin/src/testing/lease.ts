import { execFileSync } from 'node:child_process';

/** A Lease as another run left it: `holder`, renewed at `renewedAt`, valid for `durationSeconds` (kubectl apply). */
export function applyLease(context: string, namespace: string, name: string, holder: string, durationSeconds: number, renewedAt = new Date()): void {
  // MicroTime: six fractional digits.
  const renewTime = renewedAt.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  execFileSync('kubectl', ['--context', context, 'apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime },
    }),
  });
}
