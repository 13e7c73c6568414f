// Benchmark: stream-parse and evaluate a generated LCOV of 1,000,000 DA lines and a ~50 MB
// Cobertura file, each beside one a tenth of its size, in separate processes. Prints time and
// peak RSS, and the large/small RSS ratio: with streaming it stays near 1 while the size grows 10x.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

const LINES_PER_FILE = 1000;

async function write(path, chunks) {
  const out = createWriteStream(path);
  for (const chunk of chunks()) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function* lcov(totalLines) {
  for (let f = 0; f < totalLines / LINES_PER_FILE; f++) {
    let s = `SF:src/${f % 10 === 0 ? 'risk' : 'app'}/file${f}.py\n`;
    for (let l = 1; l <= LINES_PER_FILE; l++) s += `DA:${l},${l % 7 === 0 ? 0 : 1}\n`;
    yield `${s}end_of_record\n`;
  }
}

function* cobertura(targetBytes) {
  yield '<?xml version="1.0" ?>\n<coverage version="7"><sources><source>/src</source></sources><packages><package name="p"><classes>\n';
  let bytes = 0;
  for (let f = 0; bytes < targetBytes; f++) {
    let s = `<class name="c${f}" filename="${f % 10 === 0 ? 'risk' : 'app'}/file${f}.py"><methods/><lines>\n`;
    for (let l = 1; l <= LINES_PER_FILE; l++) {
      s +=
        l % 5 === 0 ? `<line number="${l}" hits="1" branch="true" condition-coverage="50% (1/2)"/>\n` : `<line number="${l}" hits="${l % 7 === 0 ? 0 : 3}"/>\n`;
    }
    s += '</lines></class>\n';
    bytes += s.length;
    yield s;
  }
  yield '</classes></package></packages></coverage>\n';
}

function parse(format, file) {
  const out = execFileSync(process.execPath, ['-r', '@swc-node/register', 'bench/lib/parse-one.ts', format, file], {
    encoding: 'utf8',
    env: { ...process.env, SWC_NODE_PROJECT: 'tools/nx-plugin/tsconfig.json' },
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const dir = mkdtempSync(join(tmpdir(), 'cov-bench-'));
try {
  const cases = [
    ['lcov', 'small.info', () => lcov(100_000)],
    ['lcov', 'large.info', () => lcov(1_000_000)],
    ['cobertura', 'small.xml', () => cobertura(5_000_000)],
    ['cobertura', 'large.xml', () => cobertura(50_000_000)],
  ];
  const results = {};
  for (const [format, name, gen] of cases) {
    const path = join(dir, name);
    await write(path, gen);
    const r = parse(format, path);
    results[name] = r;
    console.log(
      `${format.padEnd(10)} ${name.padEnd(10)} ${(statSync(path).size / 1e6).toFixed(1).padStart(6)} MB  ` +
        `${String(r.lines.total).padStart(8)} lines  ${r.ms.toFixed(0).padStart(6)} ms  peak RSS ${r.maxRssMb.toFixed(1)} MB`,
    );
  }
  const ratio = (a, b) => (results[a].maxRssMb / results[b].maxRssMb).toFixed(2);
  console.log(`peak RSS ratio large/small (10x the input): lcov ${ratio('large.info', 'small.info')}, cobertura ${ratio('large.xml', 'small.xml')}`);
  console.log(
    `throughput: lcov ${(((1e6 / results['large.info'].ms) * 1000) / 1e6).toFixed(2)} M lines/s, cobertura ${(50 / (results['large.xml'].ms / 1000)).toFixed(1)} MB/s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
