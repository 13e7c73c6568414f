// GitHub's REST API as our scripts call it (scripts/incidents.mjs, scripts/security/posture.mjs):
// the headers GitHub asks for, and errors that say what to fix: an address that does not answer
// (GITHUB_API_URL), a token GitHub refuses (GITHUB_TOKEN) or one without the rights the script needs.

/**
 * A caller of the API at `url` (GitHub's by default) with `token`: `call(method, path, body)`
 * resolves to the answer's JSON (undefined for an empty answer) and rejects with an actionable
 * message. `rights` names what the token needs, for a 403 or 404 (GitHub hides what a token may not see).
 */
export function githubApi({ url, token, rights }) {
  const base = (url || 'https://api.github.com').replace(/\/+$/, '');
  if (!token) throw new Error(`GITHUB_TOKEN is not set: the calls to ${base} need a token with ${rights}`);
  return async function call(method, path, body) {
    let response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new Error(
        `${method} ${base}${path}: GitHub's API is unreachable (${error.cause?.code ?? error.cause?.message ?? error.message}); check GITHUB_API_URL`,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const hint =
        response.status === 401
          ? ': the token is refused (GITHUB_TOKEN)'
          : response.status === 403 || response.status === 404
            ? `: the token needs ${rights}`
            : '';
      throw new Error(`${method} ${path} answered ${response.status}${hint}: ${text.slice(0, 300)}`);
    }
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path} answered ${response.status} with no JSON (is GITHUB_API_URL GitHub's API?): ${text.slice(0, 200)}`);
    }
  };
}
