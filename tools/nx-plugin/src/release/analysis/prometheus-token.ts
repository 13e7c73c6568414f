/**
 * A bearer token for a Prometheus that wants one (Google Managed Prometheus' frontend takes the
 * runner's OAuth access token: `gcloud auth print-access-token`), from a command the environment
 * names (environments.yaml analysis.prometheusToken). Run once, then again after refreshSeconds,
 * so a production run longer than a token's hour never queries with an expired one.
 */
import { execFile } from 'node:child_process';

export class TokenError extends Error {}

export interface TokenCommand {
  command: string[];
  refreshSeconds: number;
}

type Run = (command: string[]) => Promise<string>;

const runCommand: Run = (command) =>
  new Promise((resolve, reject) =>
    execFile(command[0], command.slice(1), { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${String(stderr).trim().split('\n').pop() || error.message}`)) : resolve(stdout),
    ),
  );

/** The token provider: the command's trimmed output, cached for refreshSeconds; a failure or empty output is a TokenError. */
export function commandToken(spec: TokenCommand, run: Run = runCommand, now: () => number = Date.now): () => Promise<string> {
  let cached: { token: string; at: number } | undefined;
  return async () => {
    if (cached && now() - cached.at < spec.refreshSeconds * 1000) return cached.token;
    let token: string;
    try {
      token = (await run(spec.command)).trim();
    } catch (error) {
      throw new TokenError(`the Prometheus token command (${spec.command.join(' ')}) failed: ${(error as Error).message}`);
    }
    if (!token || /\s/.test(token)) throw new TokenError(`the Prometheus token command (${spec.command.join(' ')}) printed no single token`);
    cached = { token, at: now() };
    return token;
  };
}
