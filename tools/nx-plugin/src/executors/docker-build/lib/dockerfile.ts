/**
 * What a Dockerfile's final stage says about itself, read without building it: the label keys
 * its LABEL instructions set. docker-build passes --label only for the others, because the
 * classic builder turns every --label into a step of its own after the last instruction, and on
 * a copying storage driver (vfs) each such step copies the image's whole file system.
 */

/** The Dockerfile's logical instructions: continuation lines joined, comments and blanks dropped. */
export function instructions(text: string): string[] {
  const result: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (current && line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    result.push((current + line).trim());
    current = '';
  }
  if (current.trim()) result.push(current.trim());
  return result;
}

/** The key=value pairs of one LABEL instruction's arguments (keys and values may be quoted). */
export function labelPairs(args: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const token = /\s*("(?:[^"\\]|\\.)*"|[^\s="]+)=("(?:[^"\\]|\\.)*"|\S*)/y;
  const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s);
  let match: RegExpExecArray | null;
  while ((match = token.exec(args)) !== null) {
    pairs.push([unquote(match[1]), unquote(match[2])]);
    if (token.lastIndex >= args.length) break;
  }
  return pairs;
}

/** The label keys the final stage of a Dockerfile sets (its LABEL instructions after the last FROM). */
export function finalStageLabelKeys(text: string): string[] {
  const all = instructions(text);
  const lastFrom = all.map((i) => /^FROM\s/i.test(i)).lastIndexOf(true);
  const keys = all
    .slice(lastFrom + 1)
    .filter((i) => /^LABEL\s/i.test(i))
    .flatMap((i) => labelPairs(i.replace(/^LABEL\s+/i, '')).map(([key]) => key));
  return [...new Set(keys)];
}

/**
 * The Dockerfile for the classic builder: RUN cache mounts (`--mount=type=cache,...`) removed.
 * They only keep package caches between builds; without them a step does the same work, slower.
 * Any other --mount (secret, ssh, bind) changes what a step sees, so it is left for the builder
 * to refuse rather than silently dropped.
 */
export function withoutCacheMounts(text: string): { text: string; removed: number } {
  let removed = 0;
  const result = text.replace(/(^|\n)(\s*RUN\s+)((?:--mount=type=cache\S*\s+)+)/gi, (_all, start: string, run: string, mounts: string) => {
    removed += mounts.trim().split(/\s+/).length;
    return `${start}${run}`;
  });
  return { text: result, removed };
}
