// @workspace-test cached inputs=tools/docker/debian-packages.sh,tools/docker/bases.sh,apps/*/Dockerfile,apps/*/project.json,tools/load/Dockerfile,.github/dependabot.yml,tools/nx-plugin/src/generators/**/*
// The base images, as they are built here and on a GitHub runner alike.
// Issue 31, finding 12: their packages come from Debian's archive whatever the machine runs. On a
// GitHub runner (Ubuntu) the host's apt sources are Ubuntu's; here a configuration that hides this
// machine's sources stands in for it: tools/docker/debian-packages.sh still fetches bookworm's
// packages, verified with Debian's keyring, and says clearly what is wrong otherwise.
// Issue 31, finding 13: every Dockerfile pins its public base by tag and digest, which Dependabot
// can read (it cannot read a `FROM ${ARG}`), and its docker entry covers every Dockerfile; the
// builds here use the Debian-built bases instead (docker-build's baseImage).
import assert from 'node:assert/strict';
import { globSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot, tryRun } from '../../workspace-tests/scratch.mjs';

const dir = mkdtempSync(join(tmpdir(), 'debian-packages-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// A host whose apt knows no Debian source at all (as Ubuntu's knows none of bookworm).
const hostConf = join(dir, 'apt.conf');
writeFileSync(hostConf, `Dir::Etc::SourceList "${dir}/none.list";\nDir::Etc::SourceParts "${dir}/none.d";\n`);
const env = { APT_CONFIG: hostConf, DEBIAN_APT_DIR: join(dir, 'apt') };
const download = (...args) => tryRun(repoRoot, 'bash', ['tools/docker/debian-packages.sh', 'download', join(dir, 'debs'), ...args], env);

test("bookworm's packages, from Debian's archive, on a machine whose apt has no Debian source", () => {
  assert.notEqual(tryRun(dir, 'apt-get', ['download', 'libc6'], { APT_CONFIG: hostConf }).code, 0, "the host's own apt finds no libc6 here");
  const result = download('libc6', 'libgcc-s1', 'tzdata');
  assert.equal(result.code, 0, result.out);
  const files = result.out
    .trim()
    .split('\n')
    .map((f) => basename(f));
  assert.equal(files.length, 3, result.out);
  assert.match(files[0], /^libc6_2\.36-9\+deb12u\d+_amd64\.deb$/); // bookworm's glibc, not noble's 2.39
  assert.match(files[1], /^libgcc-s1_12\.2\.0-14(\+deb12u\d+)?_amd64\.deb$/);
  assert.match(files[2], /^tzdata_.*_all\.deb$/);
  // The sources it used: Debian's, signed by Debian's keyring, security updates included.
  const sources = readFileSync(join(dir, 'apt/sources.list'), 'utf8');
  assert.match(
    sources,
    /^deb \[signed-by=\/usr\/share\/keyrings\/debian-archive-keyring\.gpg\] http:\/\/deb\.debian\.org\/debian-security bookworm-security main$/m,
  );
});

test('a package bookworm does not have, or a missing keyring, is a clear error', () => {
  const unknown = download('no-such-package-anywhere');
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.out, /apt-get download no-such-package-anywhere from bookworm failed: .*Unable to locate package no-such-package-anywhere/s);
  const nokey = tryRun(repoRoot, 'bash', ['tools/docker/debian-packages.sh', 'download', join(dir, 'debs'), 'libc6'], {
    ...env,
    DEBIAN_KEYRING: join(dir, 'none.gpg'),
  });
  assert.notEqual(nokey.code, 0);
  assert.match(nokey.out, /none\.gpg is missing: run 'bash tools\/docker\/install\.sh' \(it installs debian-archive-keyring\)/);
});

test("bases.sh fetches every package through it, never through the host's apt", () => {
  const bases = readFileSync(join(repoRoot, 'tools/docker/bases.sh'), 'utf8');
  assert.doesNotMatch(bases, /apt-get download/);
  assert.match(bases, /tools\/docker\/debian-packages\.sh" download/);
  assert.match(bases, /debootstrap --keyring=\/usr\/share\/keyrings\/debian-archive-keyring\.gpg/);
});

const DIGEST_PIN = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*:[\w.-]+@sha256:[0-9a-f]{64}$/;
/** Each FROM's image, less the earlier stages and scratch. */
function publicBases(text) {
  const stages = new Set(['scratch']);
  const bases = [];
  for (const [, image, stage] of text.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    if (!stages.has(image.toLowerCase())) bases.push(image);
    if (stage) stages.add(stage.toLowerCase());
  }
  return bases;
}

test('every Dockerfile pins its public base by tag and digest, Dependabot watches each, and the builds here use the Debian-built bases', () => {
  const dockerfiles = globSync(['apps/*/Dockerfile', 'tools/*/Dockerfile'], { cwd: repoRoot }).sort();
  assert.ok(dockerfiles.length >= 5, dockerfiles.join(', '));
  const docker = parse(readFileSync(join(repoRoot, '.github/dependabot.yml'), 'utf8')).updates.find((u) => u['package-ecosystem'] === 'docker');
  const watched = (dir) => docker.directories.some((d) => (d.endsWith('/*') ? dirname(`/${dir}`) === d.slice(0, -2) : `/${dir}` === d));
  for (const file of dockerfiles) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    const bases = publicBases(text);
    assert.ok(bases.length >= 1, `${file}: no FROM`);
    for (const base of bases) assert.match(base, DIGEST_PIN, `${file}: FROM ${base} is not image:tag@sha256:<digest>`);
    assert.doesNotMatch(text, /^ARG \w+_IMAGE=/m, `${file}: a base as a build argument`);
    assert.ok(watched(dirname(file)), `${file}: not in dependabot.yml's docker directories`);
    const project = JSON.parse(readFileSync(join(repoRoot, dirname(file), 'project.json'), 'utf8'));
    assert.match(project.targets['docker-build'].options.baseImage, /^127\.0\.0\.1:5000\/trading-base\//, `${file}: built here from a public image`);
  }
  // The service generator writes the same pins (its BASES, checked by its spec).
  for (const template of globSync('tools/nx-plugin/src/generators/service/files/*/Dockerfile__tmpl__', { cwd: repoRoot })) {
    const text = readFileSync(join(repoRoot, template), 'utf8');
    assert.match(text, /^FROM <%= base %>/m, template);
    assert.doesNotMatch(text, /^ARG \w+_IMAGE=|^FROM \$/m, template);
  }
});
