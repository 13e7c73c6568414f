import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildCommand, renderCommand, type BuildRequest } from './build-command';
import { finalStageLabelKeys, withBaseImage, withoutCacheMounts } from './dockerfile';
import type { ContainerEngine } from './engine';
import { removeImageRecord, writeImageRecord, type ImageRecord } from './image-record';
import { imageMetadata, type SourceInfo } from './metadata';
import { tail } from './process';
import type { DockerBuildExecutorOptions } from '../schema';
import type { Attestations } from '../../../supply-chain/attest-image';
import { builderId, invocationId, type ProvenanceInput } from '../../../supply-chain/provenance';

export interface BuildContext {
  workspaceRoot: string;
  projectName: string;
  projectRoot: string;
  version: string;
  source: SourceInfo;
  env: NodeJS.ProcessEnv;
  engine: ContainerEngine;
  /** Attach the pushed image's SBOM and provenance (supply-chain/attest-image.ts). */
  attest: (reference: string, build: Omit<ProvenanceInput, 'repository' | 'digest'>, log: (message: string) => void) => Promise<Attestations>;
  log: (message: string) => void;
}

export interface BuildOutcome {
  record?: ImageRecord;
  command: string;
}

/**
 * Build (and optionally push) one project's image. The image record is removed
 * first and written only once everything succeeded, so a failed build never
 * leaves a record that deploys would trust.
 */
export async function runBuild(options: DockerBuildExecutorOptions, ctx: BuildContext): Promise<BuildOutcome> {
  const dockerfile = options.dockerfile ?? join(ctx.projectRoot, 'Dockerfile');
  const context = options.context ?? '.';
  if (!existsSync(join(ctx.workspaceRoot, dockerfile))) {
    throw new Error(`no Dockerfile at ${dockerfile}: add one, or set the "dockerfile" option of ${ctx.projectName}:docker-build`);
  }
  const registry = options.registry ?? (ctx.env.DOCKER_REGISTRY || undefined);
  const push = options.push ?? ctx.env.DOCKER_PUSH === 'true';
  if (push && !registry) throw new Error('push needs a registry: set the "registry" option or DOCKER_REGISTRY (e.g. 127.0.0.1:5000/trading)');
  if (options.attest && !push) throw new Error('attest needs push: the SBOM and the provenance are attached to the pushed digest (use -c push, or set "push")');
  const metadata = imageMetadata({ image: options.image ?? ctx.projectName, registry, version: ctx.version, source: ctx.source, extraTags: options.tags });
  const outputFile = join(ctx.workspaceRoot, options.outputFile ?? join('dist', ctx.projectName, 'image.json'));

  const engineName = options.engine ?? 'docker';
  const ownText = readFileSync(join(ctx.workspaceRoot, dockerfile), 'utf8');
  // The public base the Dockerfile pins, built from the workspace's own (baseImage) when it has one.
  const based = options.baseImage ? withBaseImage(ownText, options.baseImage) : { text: ownText, replaced: [] };
  for (const base of based.replaced) ctx.log(`base: ${base} built from ${options.baseImage}`);
  const dockerfileText = based.text;
  // The registry cache: every layer of the last build that pushed one, for a runner whose own
  // BuildKit cache is empty (CI). BuildKit only; the classic builder notes it as ignored.
  const cacheRef = options.registryCache ? `${metadata.repository}:buildcache` : undefined;
  if (options.registryCache && !registry) throw new Error('registryCache needs a registry: set the "registry" option or DOCKER_REGISTRY');
  const request: Omit<BuildRequest, 'builder'> = {
    engine: engineName,
    dockerfile,
    context,
    metadata,
    buildArgs: options.buildArgs ?? {},
    network: options.network,
    target: options.target,
    cacheFrom: [...(options.cacheFrom ?? []), ...(cacheRef ? [`type=registry,ref=${cacheRef}`] : [])],
    cacheTo: [...(options.cacheTo ?? []), ...(cacheRef ? [`type=registry,ref=${cacheRef},mode=max`] : [])],
    labelsInDockerfile: finalStageLabelKeys(dockerfileText),
  };

  if (options.dryRun) {
    const planned = buildCommand({ ...request, builder: options.builder === 'buildkit' ? 'buildkit' : 'classic' });
    const command = renderCommand(planned.command, planned.args, planned.env);
    ctx.log(`dry run: ${command}`);
    if (push) for (const tag of metadata.tags) ctx.log(`dry run: ${engineName} push ${metadata.repository}:${tag}`);
    return { command };
  }

  removeImageRecord(outputFile);
  const serverVersion = await ctx.engine.ping();
  const builder = await ctx.engine.pickBuilder(options.builder ?? 'auto');
  // The classic builder cannot mount caches into a RUN step: give it the Dockerfile without them.
  const classicCopy = builder === 'classic' ? withoutCacheMounts(dockerfileText) : { text: dockerfileText, removed: 0 };
  const scratch = classicCopy.text !== ownText ? mkdtempSync(join(tmpdir(), 'docker-build-')) : undefined;
  if (scratch) writeFileSync(join(scratch, 'Dockerfile'), classicCopy.text);
  if (classicCopy.removed) ctx.log(`note: ${classicCopy.removed} RUN cache mount(s) left out for the classic builder (the steps run without their caches)`);
  const planned = buildCommand({ ...request, builder, dockerfile: scratch ? join(scratch, 'Dockerfile') : dockerfile });
  for (const option of planned.ignored) ctx.log(`note: ${option} ignored by the ${builder} builder`);
  const command = renderCommand(planned.command, planned.args, planned.env);
  ctx.log(`building ${metadata.repository} with ${engineName} ${serverVersion} (${builder} builder)`);
  ctx.log(`$ ${command}`);

  const started = Date.now();
  const build = await ctx.engine
    .run(planned.args, planned.env, (line) => ctx.log(`  ${line}`))
    .finally(() => {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });
  if (build.code !== 0) {
    throw new Error(`the image build failed (exit ${build.code}); last lines of its log:\n${tail(build.output, 30)}`);
  }
  const primary = `${metadata.repository}:${metadata.tags[0]}`;
  const { id, size, labels } = await ctx.engine.inspect(primary);
  const wrong = Object.entries(metadata.labels).filter(([key, value]) => labels[key] !== value);
  if (wrong.length) {
    throw new Error(
      `${primary} carries the wrong metadata labels (${wrong.map(([key, value]) => `${key}: ${JSON.stringify(labels[key] ?? null)}, expected ${JSON.stringify(value)}`).join('; ')}): ` +
        `a LABEL in ${dockerfile} sets them from something other than the build arguments VERSION, REVISION, SOURCE and CREATED`,
    );
  }
  ctx.log(`built ${primary} (${id.slice(0, 19)}, ${(size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  let digest: string | null = null;
  if (push) {
    for (const tag of metadata.tags) {
      ctx.log(`pushing ${metadata.repository}:${tag}`);
      const pushed = await ctx.engine.push(`${metadata.repository}:${tag}`, () => undefined);
      if (digest && pushed !== digest) throw new Error(`tags of one image pushed with different digests (${digest}, ${pushed})`);
      digest = pushed;
    }
    ctx.log(`pushed ${metadata.repository}@${digest}`);
  }
  let attestations: Attestations | undefined;
  if (options.attest && digest) {
    attestations = await ctx
      .attest(
        `${metadata.repository}@${digest}`,
        {
          project: ctx.projectName,
          dockerfile,
          context,
          ...(options.target ? { target: options.target } : {}),
          sha: ctx.source.sha,
          revision: ctx.source.revision,
          sourceUri: ctx.source.source,
          ...(options.baseImage ? { baseImage: options.baseImage } : {}),
          builderId: builderId(ctx.env, hostname()),
          ...(invocationId(ctx.env) ? { invocationId: invocationId(ctx.env) } : {}),
          startedOn: new Date(started).toISOString(),
          finishedOn: new Date().toISOString(),
        },
        ctx.log,
      )
      .catch((error: Error) => {
        throw new Error(
          `${metadata.repository}@${digest} was pushed but its SBOM and provenance could not be attached (no image record written): ${error.message}`,
        );
      });
  }

  const record: ImageRecord = {
    project: ctx.projectName,
    repository: metadata.repository,
    tags: metadata.tags,
    digest,
    reference: digest ? `${metadata.repository}@${digest}` : null,
    imageId: id,
    revision: ctx.source.revision,
    version: ctx.version,
    created: ctx.source.created,
    sizeBytes: size,
    ...(attestations ? { attestations } : {}),
  };
  writeImageRecord(outputFile, record);
  ctx.log(`image record: ${relative(ctx.workspaceRoot, outputFile)}`);
  return { record, command };
}
