import { userInfo } from 'node:os';

/** Who runs a release command, as recorded in the history: the GitHub actor in CI, else the local user. */
export const actorFrom = (env: NodeJS.ProcessEnv): string => env.GITHUB_ACTOR ?? env.USER ?? userInfo().username;
