// Text edits of workspace manifests that generators make: small, pure, and exact about what they change.

/** Root Cargo.toml with one more workspace member (members kept sorted), or unchanged. */
export function withCargoMember(cargoToml: string, member: string): string {
  const match = /^members\s*=\s*\[([^\]]*)\]/m.exec(cargoToml);
  if (!match) throw new Error('the root Cargo.toml has no [workspace] members = [...] line to add the crate to');
  const members = [...match[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  if (members.includes(member)) return cargoToml;
  const line = `members = [${[...members, member]
    .sort()
    .map((m) => `"${m}"`)
    .join(', ')}]`;
  return cargoToml.replace(match[0], line);
}

/** .dockerignore with the entries added after its last re-include (before the closing excludes). */
export function withDockerContext(dockerignore: string, entries: string[]): string {
  const lines = dockerignore.split('\n');
  const missing = entries.filter((e) => !lines.includes(e));
  if (!missing.length) return dockerignore;
  // After the last allowed path; without one, after the exclusion of everything (`**`): a later
  // line wins, so an allowed path before `**` would be excluded again.
  const lastAllowed = lines.map((l) => l.startsWith('!')).lastIndexOf(true);
  const at = lastAllowed >= 0 ? lastAllowed : lines.lastIndexOf('**');
  lines.splice(at >= 0 ? at + 1 : lines.length, 0, ...missing);
  return lines.join('\n');
}

/** pyproject.toml with `name` added to [project] dependencies and a uv path source for it. */
export function withPythonDependency(pyproject: string, name: string, path: string): string {
  const deps = /^dependencies\s*=\s*\[([^\]]*)\]/m.exec(pyproject);
  if (!deps) throw new Error("the dependent's pyproject.toml has no [project] dependencies = [...] to add the library to");
  let text = pyproject;
  if (!new RegExp(`["']${name}["']`).test(deps[1])) {
    const items = [...deps[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    text = text.replace(deps[0], `dependencies = [\n${[name, ...items].map((i) => `  "${i}",`).join('\n')}\n]`);
  }
  const entry = `${name} = { path = "${path}", editable = true }`;
  if (text.includes(entry)) return text;
  if (/^\[tool\.uv\.sources\]\s*$/m.test(text)) return text.replace(/^\[tool\.uv\.sources\]\s*$/m, `[tool.uv.sources]\n${entry}`);
  return `${text.trimEnd()}\n\n[tool.uv.sources]\n${entry}\n`;
}

/** A crate's Cargo.toml with a path dependency added to [dependencies] (created when missing). */
export function withCargoDependency(cargoToml: string, name: string, path: string): string {
  const line = `${name} = { path = "${path}" }`;
  if (new RegExp(`^${name.replace(/-/g, '\\-')}\\s*=`, 'm').test(cargoToml)) return cargoToml;
  if (/^\[dependencies\]\s*$/m.test(cargoToml)) return cargoToml.replace(/^\[dependencies\]\s*$/m, `[dependencies]\n${line}`);
  return `${cargoToml.trimEnd()}\n\n[dependencies]\n${line}\n`;
}

/**
 * A generated Python service's Dockerfile carrying a path-dependency library as well: the lock's
 * view of it in the dependency stage (installed as source, not from an index), its package beside
 * the service's in /app/site. Null when the Dockerfile is not in the generated shape.
 */
export function withPythonLibraryInDockerfile(
  dockerfile: string,
  app: { projectRoot: string; pkg: string },
  lib: { name: string; projectRoot: string; pkg: string },
): string | null {
  const lock = `COPY ${app.projectRoot}/pyproject.toml ${app.projectRoot}/uv.lock ./\n`;
  const sync = /(uv sync --locked --no-dev --python python3\.11 --no-install-project)([^\n]*)/;
  const code = `COPY ${app.projectRoot}/src/${app.pkg} /app/site/${app.pkg}\n`;
  if (!dockerfile.includes(lock) || !sync.test(dockerfile) || !dockerfile.includes(code)) return null;
  if (dockerfile.includes(`--no-install-package ${lib.name}`)) return dockerfile;
  return dockerfile
    .replace(lock, `${lock}COPY ${lib.projectRoot}/pyproject.toml ${lib.projectRoot}/README.md /src/${lib.projectRoot}/\n`)
    .replace(sync, `$1 --no-install-package ${lib.name}$2`)
    .replace(code, `${code}COPY ${lib.projectRoot}/src/${lib.pkg} /app/site/${lib.pkg}\n`);
}
