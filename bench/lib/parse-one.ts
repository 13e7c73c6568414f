// Child process for the coverage parse benchmark: parse one report, evaluate it, print timings.
import { createReadStream } from 'node:fs';
import { parseCobertura } from '../../tools/nx-plugin/src/executors/coverage/lib/cobertura';
import { parseLcov } from '../../tools/nx-plugin/src/executors/coverage/lib/lcov';
import { evaluateThresholds } from '../../tools/nx-plugin/src/executors/coverage/lib/thresholds';

async function main() {
  const [format, file] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  const parse = format === 'lcov' ? parseLcov : parseCobertura;
  const report = await parse(createReadStream(file), file);
  const evaluation = evaluateThresholds(report.files, { lines: 80 }, [{ include: '**/risk/**', lines: 50 }]);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ms, maxRssMb, files: report.files.length, lines: evaluation.totals.lines }));
}

main();
