import { type ExecutorContext, logger } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type ImageRecord, readPushedImageRecord, writeImageRecord } from '../docker-build/lib/image-record';
import { imageSourcePaths } from '../docker-build/lib/image-sources';
import { sourceInfo } from '../docker-build/lib/source-info';
import { withSchemaDefaults } from '../options';
import { attestImage } from '../../supply-chain/attest-image';
import { builderId, invocationId } from '../../supply-chain/provenance';
import schema from './schema.json';
import type { AttestExecutorOptions } from './schema';

export default async function attestExecutor(given: AttestExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName;
  if (!project) throw new Error('attest: run this executor for a project (nx run <project>:attest)');
  const options = withSchemaDefaults(schema, given);
  const projectRoot = context.projectsConfigurations.projects[project].root;
  const file = join(context.root, options.outputFile ?? join('dist', project, 'image.json'));
  try {
    const { reference, revision } = readPushedImageRecord(file);
    const record = JSON.parse(readFileSync(file, 'utf8')) as ImageRecord;
    const source = sourceInfo(context.root, process.env, new Date(), imageSourcePaths(context.projectGraph, project));
    const now = new Date().toISOString();
    const attestations = await attestImage(
      reference,
      {
        project,
        dockerfile: options.dockerfile ?? join(projectRoot, 'Dockerfile'),
        context: options.context ?? '.',
        sha: source.sha,
        revision,
        sourceUri: source.source,
        builderId: builderId(process.env, hostname()),
        ...(invocationId(process.env) ? { invocationId: invocationId(process.env) } : {}),
        startedOn: now,
        finishedOn: now,
      },
      (m) => logger.info(m),
    );
    writeImageRecord(file, { ...record, attestations });
    return { success: true };
  } catch (error) {
    logger.error(`attest ${project}: ${(error as Error).message}`);
    return { success: false };
  }
}
