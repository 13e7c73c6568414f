import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { runProcess, tail } from '../executors/docker-build/lib/process';
import { supplyChainBinary } from './binaries';

// The image's attachments in the registry, through oras (built by `scripts/build-go-tools.sh
// supply-chain`): OCI 1.1 artifacts whose `subject` is the image's manifest. A registry with the
// referrers API lists them there; one without (Debian's docker-registry 2.8 here) gets the
// referrers tag scheme (`sha256-<hex>`), which oras falls back to by itself. Credentials are
// Docker's (~/.docker/config.json): `gcloud auth configure-docker` for Artifact Registry.

export interface Referrer {
  digest: string;
  artifactType: string;
}

const MISSING = 'oras is not installed: run `bash scripts/build-go-tools.sh supply-chain` (tools/stack.sh up docker builds it)';

/** A registry on this machine's loopback speaks plain HTTP, as Docker assumes for it too. */
export function plainHttp(reference: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(reference);
}

async function oras(command: string, flags: string[], reference: string, rest: string[] = [], cwd = process.cwd()): Promise<string> {
  const args = [command, ...flags, ...(plainHttp(reference) ? ['--plain-http'] : []), reference, ...rest];
  const result = await runProcess(supplyChainBinary('oras'), args, { cwd });
  if (result.code === 127) throw new Error(MISSING);
  if (result.code !== 0) throw new Error(`oras ${command} ${reference} failed (exit ${result.code}): ${tail(result.output, 5)}`);
  return result.output;
}

const json = (output: string): Record<string, unknown> => {
  const start = output.indexOf('{');
  if (start < 0) throw new Error(`oras printed no JSON: ${tail(output, 5)}`);
  return JSON.parse(output.slice(start)) as Record<string, unknown>;
};

/** Attach `file` to `reference` (repository@sha256:…) as `artifactType`; the attachment's digest. */
export async function attach(reference: string, file: string, artifactType: string): Promise<string> {
  const out = await oras('attach', ['--artifact-type', artifactType, '--format', 'json'], reference, [`${basename(file)}:${artifactType}`], dirname(file));
  return String(json(out).digest);
}

/** What is attached to `reference`'s digest, newest last as the registry lists them. */
export async function referrers(reference: string): Promise<Referrer[]> {
  const listed = json(await oras('discover', ['--format', 'json'], reference)).referrers;
  return (Array.isArray(listed) ? listed : []).map((r: { digest?: unknown; artifactType?: unknown }) => ({
    digest: String(r.digest),
    artifactType: String(r.artifactType ?? ''),
  }));
}

/** The one file of the attachment `digest` in `repository`, as text. */
export async function fetchAttachment(repository: string, digest: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'attachment-'));
  try {
    await oras('pull', ['--output', dir], `${repository}@${digest}`);
    const files = readdirSync(dir);
    if (files.length !== 1) throw new Error(`${repository}@${digest} holds ${files.length} files, not one document`);
    return readFileSync(join(dir, files[0]), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
