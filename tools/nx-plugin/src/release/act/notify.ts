import type { EnvironmentConfig } from '../config/config';
import { eventMessage, eventText, type ReleaseEvent, runUrlFrom } from '../status/release-event';

// Sends release events to the environment's chat webhook (environments.yaml `notify.webhookVariable`:
// the name of the environment variable holding the URL, a secret never in the repository). Every
// event is logged; a notification that cannot be sent is logged too and never changes a command's
// outcome: it resolves, always, within the timeout.

export type Notify = (event: Omit<ReleaseEvent, 'environment' | 'at' | 'runUrl'>) => Promise<void>;

export interface NotifyOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

export function notifier(
  env: Pick<EnvironmentConfig, 'notify'>,
  environment: string,
  processEnv: NodeJS.ProcessEnv,
  log: (message: string) => void,
  { timeoutMs = 5000, fetch: post = fetch, now = () => new Date() }: NotifyOptions = {},
): Notify {
  const variable = env.notify?.webhookVariable;
  const url = variable ? processEnv[variable] : undefined;
  let warned = false;
  return async (partial) => {
    const event: ReleaseEvent = { ...partial, environment, at: now(), runUrl: runUrlFrom(processEnv) };
    log(`notify: ${eventText(event)}`);
    if (!variable) return;
    if (!url) {
      if (!warned) log(`notify: ${variable} is not set: notifications are logged only`);
      warned = true;
      return;
    }
    try {
      const response = await post(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(eventMessage(event)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) log(`notify: the webhook (${variable}) answered ${response.status}; the ${event.kind} notification was not delivered`);
    } catch (error) {
      log(`notify: the webhook (${variable}) could not be reached (${(error as Error).message}); the ${event.kind} notification was not delivered`);
    }
  };
}
