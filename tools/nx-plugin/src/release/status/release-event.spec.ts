import { eventMessage, eventText, needsAttention, type ReleaseEvent, runUrlFrom } from './release-event';

const event: ReleaseEvent = {
  kind: 'switched-back',
  environment: 'production',
  service: 'agents',
  release: '3f2a9c01b7de',
  actor: 'ci',
  detail: 'error-rate 5.20% > 1%',
  at: new Date('2026-12-04T10:00:00Z'),
  runUrl: 'https://github.com/o/r/actions/runs/7',
};

describe('release events as chat messages', () => {
  it('has a plain-text line for notifications and clients without blocks', () => {
    expect(eventText(event)).toBe('↩️ agents in production: switched back by the analysis (release 3f2a9c01b7de, by ci): error-rate 5.20% > 1%');
    expect(eventText({ ...event, kind: 'started', detail: '', release: '' })).toBe('🚀 agents in production: deploy started (release -, by ci)');
  });

  it('is a Slack-compatible message: header, fields, the detail and a link to the run', () => {
    const message = eventMessage(event);
    expect(message.text).toBe(eventText(event));
    expect(message.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '↩️ agents in production: switched back by the analysis' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Release*\n`3f2a9c01b7de`' },
          { type: 'mrkdwn', text: '*By*\nci' },
          { type: 'mrkdwn', text: '*When*\n2026-12-04T10:00:00.000Z' },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: 'error-rate 5.20% > 1%' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '<https://github.com/o/r/actions/runs/7|the run>' }] },
    ]);
    // Without a detail or a run: no empty blocks (Slack refuses an empty text).
    expect(eventMessage({ ...event, detail: '', runUrl: undefined }).blocks).toHaveLength(2);
  });

  it('says which events need a person', () => {
    expect(['canary-failed', 'switched-back', 'halted', 'failed', 'rolled-back', 'aborted'].every((k) => needsAttention(k as ReleaseEvent['kind']))).toBe(true);
    expect(['started', 'canary-passed', 'switched', 'live', 'promoted'].some((k) => needsAttention(k as ReleaseEvent['kind']))).toBe(false);
  });

  it("takes the run's address from GitHub's variables", () => {
    expect(runUrlFrom({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7' })).toBe('https://github.com/o/r/actions/runs/7');
    expect(runUrlFrom({})).toBeUndefined();
  });
});
