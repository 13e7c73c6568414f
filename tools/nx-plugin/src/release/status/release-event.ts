// What a release command tells the team as it goes (Flagger's Slack notifications are the model):
// one event per phase of one service's release, and its chat message. Pure; the sender is
// act/notify.ts.

export type ReleaseEventKind =
  | 'started' // a deploy of a new release began
  | 'canary-passed' // the production canary (and its baseline comparison) passed: the swap follows
  | 'canary-failed' // the canary failed: traffic never moved
  | 'switched' // traffic is on the new release; its soak begins
  | 'live' // the release is live and judged (soak passed), or live without analysis
  | 'switched-back' // the soak failed: traffic went back to the previous release
  | 'halted' // the soak could not judge it (no data): live, not judged
  | 'failed' // the deploy failed before or without a verdict (rollout timed out, API errors, ...)
  | 'rolled-back' // deploy:rollback restored the previous judged-good release
  | 'cancelled' // deploy:rollback stopped a deploy before its switch
  | 'rollback-failed' // deploy:rollback could not restore (traffic stays where it was)
  | 'aborted' // deploy:abort took an unjudged release off traffic
  | 'promoted'; // deploy:promote accepted an unjudged release

export interface ReleaseEvent {
  kind: ReleaseEventKind;
  environment: string;
  service: string;
  /** The release (pod-template hash) or image the event is about. */
  release: string;
  actor: string;
  detail: string;
  at: Date;
  /** A link to the run (the workflow run on GitHub), when there is one. */
  runUrl?: string;
}

const TITLES: Record<ReleaseEventKind, { icon: string; title: string; bad: boolean }> = {
  started: { icon: '🚀', title: 'deploy started', bad: false },
  'canary-passed': { icon: '🐤', title: 'canary passed', bad: false },
  'canary-failed': { icon: '🛑', title: 'canary failed, traffic untouched', bad: true },
  switched: { icon: '🔀', title: 'traffic switched, soak started', bad: false },
  live: { icon: '✅', title: 'live', bad: false },
  'switched-back': { icon: '↩️', title: 'switched back by the analysis', bad: true },
  halted: { icon: '⏸️', title: 'halted: live, not judged', bad: true },
  failed: { icon: '❌', title: 'deploy failed', bad: true },
  'rolled-back': { icon: '⏪', title: 'rolled back', bad: true },
  cancelled: { icon: '⏹️', title: 'deploy cancelled before its switch', bad: true },
  'rollback-failed': { icon: '🆘', title: 'rollback failed', bad: true },
  aborted: { icon: '⏹️', title: 'aborted: taken off traffic', bad: true },
  promoted: { icon: '👍', title: 'promoted by hand', bad: false },
};

/** Whether the event is one a person should look at. */
export const needsAttention = (kind: ReleaseEventKind): boolean => TITLES[kind].bad;

/** One line: the text a chat shows in its notification, and the fallback for clients without blocks. */
export function eventText(e: ReleaseEvent): string {
  const { icon, title } = TITLES[e.kind];
  return `${icon} ${e.service} in ${e.environment}: ${title} (release ${e.release || '-'}, by ${e.actor})${e.detail ? `: ${e.detail}` : ''}`;
}

/** A Slack-compatible message (incoming webhook): blocks, with the plain text as the fallback. */
export function eventMessage(e: ReleaseEvent): { text: string; blocks: object[] } {
  const { icon, title } = TITLES[e.kind];
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: `${icon} ${e.service} in ${e.environment}: ${title}`.slice(0, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Release*\n\`${e.release || '-'}\`` },
        { type: 'mrkdwn', text: `*By*\n${e.actor}` },
        { type: 'mrkdwn', text: `*When*\n${e.at.toISOString()}` },
      ],
    },
  ];
  if (e.detail) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: e.detail.slice(0, 2900) } });
  if (e.runUrl) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${e.runUrl}|the run>` }] });
  return { text: eventText(e), blocks };
}

/** The workflow run's address from GitHub's variables, when running there. */
export function runUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}
