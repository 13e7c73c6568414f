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

/** A FROM line: its prefix (FROM and any --platform), its image, and the rest (AS <stage>). */
const FROM_LINE = /^(\s*FROM\s+(?:--\S+\s+)*)(\S+)(.*)$/i;

/** An image reference without its tag and digest: `gcr.io/distroless/cc-debian12:nonroot@sha256:…` → `gcr.io/distroless/cc-debian12`. */
export function imageRepository(reference: string): string {
  const withoutDigest = reference.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

export class BaseImageError extends Error {}

/**
 * The Dockerfile with every FROM of a public base built from `image` instead: the file keeps its
 * pinned `FROM <image>:<tag>@sha256:…`, which Dependabot can read and update, and a workspace that
 * builds its bases itself (tools/docker/bases.sh, no public registry) swaps them at build time.
 * A FROM of an earlier stage or `scratch` stays. One public base per Dockerfile: a second one
 * (which of them would `image` stand for?) is refused, as is a FROM this cannot read (an ARG in it).
 */
export function withBaseImage(text: string, image: string): { text: string; replaced: string[] } {
  const stages = new Set<string>(['scratch']);
  const replaced: string[] = [];
  const lines = text.split('\n').map((line) => {
    const from = FROM_LINE.exec(line);
    if (!from) return line;
    const [, prefix, reference, rest] = from;
    const stage = /^\s+AS\s+(\S+)/i.exec(rest)?.[1];
    const known = stages.has(reference.toLowerCase());
    if (stage) stages.add(stage.toLowerCase());
    if (known) return line;
    if (reference.includes('$'))
      throw new BaseImageError(`FROM ${reference}: a base named by a build argument cannot be pinned or replaced; write the image with its tag and digest`);
    replaced.push(reference);
    return `${prefix}${image}${rest}`;
  });
  const bases = [...new Set(replaced.map(imageRepository))];
  if (bases.length > 1) throw new BaseImageError(`baseImage stands for one public base, but the Dockerfile has ${bases.length}: ${bases.join(', ')}`);
  return { text: lines.join('\n'), replaced: [...new Set(replaced)] };
}
