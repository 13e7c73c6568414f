import { runProcess, tail } from '../executors/docker-build/lib/process';
import { supplyChainBinary } from './binaries';
import { plainHttp } from './oras';

/**
 * Write the SBOM (SPDX 2.3 JSON) of the pushed image `reference` (repository@sha256:…) to `file`,
 * with syft (built by `scripts/build-go-tools.sh supply-chain`) reading the image from the
 * registry: what was pushed is what is described. syft never asks the network for its updates.
 */
export async function writeSbom(reference: string, file: string): Promise<void> {
  const env: Record<string, string> = { SYFT_CHECK_FOR_APP_UPDATE: 'false', ...(plainHttp(reference) ? { SYFT_REGISTRY_INSECURE_USE_HTTP: 'true' } : {}) };
  const result = await runProcess(supplyChainBinary('syft'), ['scan', `registry:${reference}`, '--quiet', '--output', `spdx-json=${file}`], {
    cwd: process.cwd(),
    env,
  });
  if (result.code === 127) throw new Error('syft is not installed: run `bash scripts/build-go-tools.sh supply-chain` (tools/stack.sh up docker builds it)');
  if (result.code !== 0) throw new Error(`syft could not read ${reference} (exit ${result.code}): ${tail(result.output, 5)}`);
}
