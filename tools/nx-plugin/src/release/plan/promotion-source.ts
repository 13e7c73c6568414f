import { NOT_ANALYSED, type Release, type ServiceStatus } from '@trading/release-model';
import { BY_DIGEST } from '../../executors/docker-build/lib/image-reference';

// Build once, promote by digest (issue 31, finding 5): production deploys exactly the images the
// source environment (staging) runs and judged, read from that environment's own records in the
// cluster, never an image rebuilt at some commit. Pure: the statuses and histories in, the
// releases to deploy or every reason to refuse out.

/** One service as the source environment has it: its status, and its history's live entry. */
export interface SourceService {
  service: string;
  status: ServiceStatus;
  /** The history entry of the live release (image, commit); undefined when the history has none. */
  live?: Pick<Release, 'image' | 'gitSha' | 'commitTime'>;
}

export interface PromotedRelease {
  service: string;
  image: string;
  gitSha: string;
  commitTime?: string;
  /** Why the source environment considers it good (its phase reason), for the log. */
  judged: string;
}

/** Why `s` cannot be promoted from `source`, or null when it can. */
export function refusal(source: string, s: SourceService): string | null {
  const { status } = s;
  if (!status.live) return `${s.service}: never deployed in ${source}`;
  if (status.phase !== 'Promoted')
    return `${s.service}: its live release in ${source} is ${status.phase ?? 'without a phase'}${status.phaseReason ? ` (${status.phaseReason})` : ''}, not promoted after its analysis`;
  if (status.phaseReason.startsWith(NOT_ANALYSED))
    return `${s.service}: promoted in ${source} without analysis (${status.phaseReason}): nothing judged it there`;
  if (!BY_DIGEST.test(status.live.image)) return `${s.service}: ${source} runs ${status.live.image}, not an image by digest`;
  if (!s.live || s.live.image !== status.live.image)
    return `${s.service}: ${source}'s release history does not record ${status.live.image} as live${s.live ? ` (it records ${s.live.image})` : ''}`;
  if (status.warnings.length) return `${s.service}: ${source}'s records disagree: ${status.warnings.join('; ')}`;
  return null;
}

/** Every service promotable (then `promote`), or every reason one is not (then nothing moves). */
export function promotionFrom(source: string, services: SourceService[]): { promote: PromotedRelease[]; refused: string[] } {
  const refused = services.map((s) => refusal(source, s)).filter((r): r is string => r !== null);
  if (refused.length) return { promote: [], refused };
  return {
    refused: [],
    promote: services.map((s) => ({
      service: s.service,
      image: s.status.live!.image,
      gitSha: s.live!.gitSha,
      ...(s.live!.commitTime ? { commitTime: s.live!.commitTime } : {}),
      judged: s.status.phaseReason,
    })),
  };
}
