/** Runs oha as a Job in the namespace it judges (load-job.ts) and returns its report: the I/O half. */
import { join } from 'node:path';
import { ClusterClient, KubeError } from '../../../release/act/cluster/client';
import { ImageRecordProblem, readPushedImageRecord } from '../../docker-build/lib/image-record';
import { JobFailed, runJob } from '../../../release/act/cluster/jobs';
import { LOAD_JOB_SLACK_SECONDS, loadJobManifest, reportOfLog } from './load-job';

export interface InCluster {
  namespace: string;
  context: string;
  image: string;
}

export class InClusterError extends Error {}

/** The load image by digest: the option, else the record `nx run load:docker-build -c push` wrote. */
export function loadImage(workspaceRoot: string, option: string | undefined): string {
  if (option) return option;
  const build = 'run `npx nx run load:docker-build -c push` (the load generator image), or pass --image';
  try {
    return readPushedImageRecord(join(workspaceRoot, 'dist/load/image.json')).reference;
  } catch (error) {
    if (!(error instanceof ImageRecordProblem)) throw error;
    throw new InClusterError(
      {
        missing: `no load image: dist/load/image.json is missing; ${build}`,
        invalid: `dist/load/image.json is not valid JSON (${error.message}); ${build}`,
        unpushed: `dist/load/image.json names no pushed image digest; ${build}`,
      }[error.kind],
    );
  }
}

/** One endpoint's oha arguments and where it stands in the run (its Job's name). */
export interface JobRun {
  project: string;
  index: number;
  runId: string;
  args: string[];
  durationSeconds: number;
}

/**
 * Connects to the cluster once and returns the runner of one endpoint's oha as a Job: its pod's
 * log is oha's JSON report.
 */
export async function ohaInCluster(where: InCluster, log: (m: string) => void): Promise<(run: JobRun) => Promise<string>> {
  let client: ClusterClient;
  try {
    client = await ClusterClient.connect({ context: where.context, namespace: where.namespace });
  } catch (error) {
    throw new InClusterError((error as Error).message);
  }
  return async (run) => {
    const body = loadJobManifest({ ...run, namespace: where.namespace, image: where.image });
    const name = body.metadata!.name!;
    log(`  as Job ${name} in ${where.namespace} (${where.context}), image ${where.image}`);
    try {
      const result = await runJob(client, body, Math.ceil(run.durationSeconds) + LOAD_JOB_SLACK_SECONDS, 1000, 'no load was measured', log, {
        kind: 'load',
        speaker: 'oha',
        prefix: 'load',
      });
      return reportOfLog(result.output);
    } catch (error) {
      if (error instanceof JobFailed || error instanceof KubeError) throw new InClusterError(error.message);
      throw error;
    }
  };
}
