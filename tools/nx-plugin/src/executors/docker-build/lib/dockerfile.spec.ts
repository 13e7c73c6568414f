import { finalStageLabelKeys, instructions, labelPairs, withoutCacheMounts, BaseImageError, imageRepository, withBaseImage } from './dockerfile';

describe('instructions', () => {
  it('joins continued lines and drops comments and blank lines', () => {
    expect(instructions('# c\nFROM a\n\nLABEL x="1" \\\n  # inside\n  y=2\nCOPY a b\n')).toEqual(['FROM a', 'LABEL x="1"  y=2', 'COPY a b']);
  });
});

describe('labelPairs', () => {
  it('reads quoted and bare keys and values', () => {
    expect(labelPairs('org.opencontainers.image.version="${VERSION}" plain=v "quoted key"="a \\"b\\""')).toEqual([
      ['org.opencontainers.image.version', '${VERSION}'],
      ['plain', 'v'],
      ['quoted key', 'a "b"'],
    ]);
  });
});

describe('finalStageLabelKeys', () => {
  it('lists the keys the last stage labels, not those of a build stage', () => {
    const text = [
      'FROM base AS build',
      'LABEL stage.only=yes',
      'FROM ${RUNTIME}',
      'LABEL org.opencontainers.image.title="x" \\',
      '      org.opencontainers.image.description="y"',
      'COPY a b',
      'LABEL org.opencontainers.image.version="${VERSION}" \\',
      '      org.opencontainers.image.revision="${REVISION}"',
    ].join('\n');
    expect(finalStageLabelKeys(text)).toEqual([
      'org.opencontainers.image.title',
      'org.opencontainers.image.description',
      'org.opencontainers.image.version',
      'org.opencontainers.image.revision',
    ]);
  });

  it('is empty for a Dockerfile without labels', () => {
    expect(finalStageLabelKeys('FROM scratch\nCOPY a /a\n')).toEqual([]);
  });
});

describe('withoutCacheMounts', () => {
  it('drops RUN cache mounts for the classic builder and counts them', () => {
    const text = 'FROM a\nRUN --mount=type=cache,target=/root/.cache/uv,id=uv --mount=type=cache,target=/root/.cache/pip \\\n    uv sync\nRUN echo hi\n';
    expect(withoutCacheMounts(text)).toEqual({ text: 'FROM a\nRUN uv sync\nRUN echo hi\n'.replace('RUN uv sync', 'RUN \\\n    uv sync'), removed: 2 });
  });

  it('leaves secret and bind mounts, which change what a step sees, for the builder to judge', () => {
    const text = 'FROM a\nRUN --mount=type=secret,id=npm npm ci\n';
    expect(withoutCacheMounts(text)).toEqual({ text, removed: 0 });
  });
});

describe('withBaseImage', () => {
  const pinned = 'python:3.11-slim-bookworm@sha256:' + 'a'.repeat(64);
  it('builds every FROM of the public base from the given image, keeping stages, platforms and scratch', () => {
    const text = `# a comment FROM nothing\nFROM --platform=linux/amd64 ${pinned} AS deps\nRUN true\nFROM deps AS test\nFROM scratch AS empty\nFROM ${pinned}\nCOPY --from=deps /a /a\n`;
    const { text: out, replaced } = withBaseImage(text, '127.0.0.1:5000/trading-base/python:3.11');
    expect(replaced).toEqual([pinned]);
    expect(out).toBe(
      `# a comment FROM nothing\nFROM --platform=linux/amd64 127.0.0.1:5000/trading-base/python:3.11 AS deps\nRUN true\nFROM deps AS test\nFROM scratch AS empty\nFROM 127.0.0.1:5000/trading-base/python:3.11\nCOPY --from=deps /a /a\n`,
    );
  });

  it('refuses two public bases, and a base named by a build argument', () => {
    expect(() => withBaseImage(`FROM ${pinned}\nFROM node:24@sha256:${'b'.repeat(64)}\n`, 'x')).toThrow(
      'baseImage stands for one public base, but the Dockerfile has 2: python, node',
    );
    expect(() => withBaseImage('ARG BASE=x\nFROM ${BASE}\n', 'x')).toThrow(BaseImageError);
  });

  it('reads an image’s repository through registry ports, tags and digests', () => {
    expect(imageRepository(`gcr.io/distroless/cc-debian12:nonroot@sha256:${'c'.repeat(64)}`)).toBe('gcr.io/distroless/cc-debian12');
    expect(imageRepository('127.0.0.1:5000/trading-base/node:24')).toBe('127.0.0.1:5000/trading-base/node');
    expect(imageRepository('127.0.0.1:5000/trading-base/node')).toBe('127.0.0.1:5000/trading-base/node');
    expect(imageRepository('node')).toBe('node');
  });
});
