// Benchmark: the database rollback on the real node (issue 30), beside the application rollback it
// follows. The engine and its PostgreSQL are deployed into a namespace of the bench's own on the
// real node; the orders table is filled (--orders, default 200000); a release adding a column is
// deployed (its expand migration run by the deploy's Job), then `nx run deploy:rollback --database`
// takes traffic back and undoes the column by its down section. Prints the two times (traffic back;
// schema back, the down Job), their ratios to the goal (60 s) and the bar (300 s), and whether every
// order is still there: the orders' checksum before the deploy and after the rollback. Then a
// point-in-time recovery: every order truncated after a moment T, `nx run deploy:restore-database
// --to=T`, its time against the 300 s bar and the orders' checksum at T against the restored one.
// Last, a release whose migration has no down section, taken back by `deploy:rollback --database`
// through a point-in-time recovery to the mark its deploy wrote: its time, and the orders at the mark.
//   node bench/database-rollback.bench.mjs [--orders 200000]
// Needs: bash tools/stack.sh up docker cluster, and the engine's image pushed
// (npx nx run execution-engine:docker-build -c push), as scripts/test-all.sh does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { CONTEXT, deleteTestNamespace, kubectlIn } from '../tools/workspace-tests/local-stack.mjs';
import { repoRoot, scratchCopy, tryRun } from '../tools/workspace-tests/scratch.mjs';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '200000' } } });
const orders = Number(values.orders);
const NS = `bench-dbrb-${process.pid}`;
const kubectl = kubectlIn(NS);
const scratch = scratchCopy();
const sql = (query) =>
  kubectl('exec', 'trading-db-0', '-c', 'postgres', '--', 'psql', '-U', 'trading', '-d', 'trading', '-AtX', '-v', 'ON_ERROR_STOP=1', '-c', query).trim();
const CHECKSUM =
  "SELECT count(*) || ' ' || md5(string_agg(id || ':' || coalesce(client_order_id, '') || ':' || remaining, ',' ORDER BY id)) FROM engine_orders";
const nx = (...args) => {
  const started = process.hrtime.bigint();
  const result = tryRun(scratch.dir, 'npx', ['nx', 'run', ...args, '--services=execution-engine', '--output-style=static']);
  if (result.code !== 0) throw new Error(`nx run ${args.join(' ')} failed:\n${result.out}`);
  return { ...result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
};

try {
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(envFile, 'utf8'));
  Object.assign(envs.staging, { namespace: NS, scaleDownDelaySeconds: 0 });
  writeFileSync(envFile, stringify(envs));
  execFileSync('kubectl', ['--context', CONTEXT, 'create', 'namespace', NS]);
  execFileSync('kubectl', ['--context', CONTEXT, 'annotate', 'namespace', NS, 'scheduler.alpha.kubernetes.io/node-selector=trading.dev/node=real']);
  mkdirSync(join(scratch.dir, 'dist/execution-engine'), { recursive: true });
  writeFileSync(join(scratch.dir, 'dist/execution-engine/image.json'), readFileSync(join(repoRoot, 'dist/execution-engine/image.json')));

  nx('deploy:staging', '--skipAnalysis');
  sql(
    `INSERT INTO engine_instruments (symbol) VALUES ('BENCH-SEED') ON CONFLICT DO NOTHING; ` +
      `INSERT INTO engine_orders (id, client_order_id, instrument, side, price, quantity, remaining) ` +
      `SELECT nextval('engine_order_ids'), 'seed-' || g, 'BENCH-SEED', CASE WHEN g % 2 = 0 THEN 'buy' ELSE 'sell' END, 100000000 + g, 100000000, 0 FROM generate_series(1, ${orders}) g`,
  );
  const before = sql(CHECKSUM);

  writeFileSync(
    join(scratch.dir, 'apps/execution-engine/migrations/20261206000000_order_note.sql'),
    '-- release: expand\n-- migrate:up\nALTER TABLE engine_orders ADD COLUMN note text;\n-- migrate:down\nALTER TABLE engine_orders DROP COLUMN note;\n',
  );
  const serviceFile = join(scratch.dir, 'tools/deploy/services/execution-engine.yaml');
  writeFileSync(serviceFile, readFileSync(serviceFile, 'utf8').replace('env:\n', 'env:\n  RELEASE_NOTE: "bench: a release adding a column"\n'));
  const deploy = nx('deploy:staging', '--skipAnalysis');
  const up = Number(/migrations: schema 20261206000000 after ([\d.]+) s/.exec(deploy.out)?.[1]);

  const rollback = nx('deploy:rollback', '--database', '--reason=bench');
  const traffic = Number(/recovered in ([\d.]+) s/.exec(rollback.out)?.[1]);
  const schema = Number(/migrations: schema \d+ after ([\d.]+) s; undid/.exec(rollback.out)?.[1]);
  const after = sql(CHECKSUM);
  const column = sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'engine_orders' AND column_name = 'note'");

  console.log(`orders in the table                           ${before.split(' ')[0].padStart(9)}`);
  console.log(`expand migration through the deploy (Job)     ${up.toFixed(1).padStart(9)} s`);
  console.log(`application rollback (traffic back)           ${traffic.toFixed(2).padStart(9)} s`);
  console.log(`schema rollback (the down Job)                ${schema.toFixed(1).padStart(9)} s`);
  console.log(`nx run deploy:rollback --database (whole)     ${rollback.seconds.toFixed(1).padStart(9)} s`);
  console.log(
    `ratios: schema rollback / 60 s goal ${(schema / 60).toFixed(3)}, / 300 s bar ${(schema / 300).toFixed(3)}; whole command / 300 s ${(rollback.seconds / 300).toFixed(3)}`,
  );
  console.log(
    `data: the column ${column === '0' ? 'is gone' : 'is STILL THERE'}; orders' checksum ${before === after ? 'equal' : `DIFFERS (${before} -> ${after})`}`,
  );
  if (column !== '0' || before !== after) process.exitCode = 1;

  // Point-in-time recovery: a destructive change after the moment T, then the database taken back
  // to T from the base backup the migrating deploy took and the archived WAL.
  await new Promise((r) => setTimeout(r, 1500));
  const target = new Date();
  const atTarget = sql(CHECKSUM);
  await new Promise((r) => setTimeout(r, 1500));
  sql('TRUNCATE engine_trades, engine_orders CASCADE');
  const started = process.hrtime.bigint();
  const restore = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:restore-database', `--to=${target.toISOString()}`, '--output-style=static']);
  const whole = Number(process.hrtime.bigint() - started) / 1e9;
  if (restore.code !== 0) throw new Error(`nx run deploy:restore-database failed:\n${restore.out}`);
  const recovery = /database restored to \S+ in ([\d.]+) s \(([^)]*)\)/.exec(restore.out);
  const restored = sql(CHECKSUM);
  console.log(`point-in-time recovery (the command's phases) ${Number(recovery?.[1]).toFixed(1).padStart(9)} s (${recovery?.[2]})`);
  console.log(`nx run deploy:restore-database (whole)        ${whole.toFixed(1).padStart(9)} s`);
  console.log(`ratios: recovery / 300 s bar ${(Number(recovery?.[1]) / 300).toFixed(3)}; whole command / 300 s ${(whole / 300).toFixed(3)}`);
  console.log(`data: the orders at the target ${restored === atTarget ? 'are back, checksum equal' : `DIFFER (${atTarget} -> ${restored})`}`);
  if (restored !== atTarget) process.exitCode = 1;

  // The database rollback across an irreversible migration (no down section): a release adding a
  // column it cannot drop, then `deploy:rollback --database`: traffic back, then a point-in-time
  // recovery to the mark the deploy wrote before migrating. The orders at the mark come back.
  writeFileSync(
    join(scratch.dir, 'apps/execution-engine/migrations/20261207000000_order_tag.sql'),
    '-- release: expand\n-- migrate:up\nALTER TABLE engine_orders ADD COLUMN tag text;\n-- migrate:down\n',
  );
  writeFileSync(serviceFile, readFileSync(serviceFile, 'utf8').replace('env:\n', 'env:\n  RELEASE_TAG: "bench: a column it cannot drop"\n'));
  const atMark = sql(CHECKSUM);
  nx('deploy:staging', '--skipAnalysis');
  const irreversible = nx('deploy:rollback', '--database', '--reason=bench: irreversible');
  const back = Number(/recovered in ([\d.]+) s/.exec(irreversible.out)?.[1]);
  const toMark = Number(/by a point-in-time recovery to the mark of backup \S+ in ([\d.]+) s/.exec(irreversible.out)?.[1]);
  const recovered = sql(CHECKSUM);
  const tag = sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'engine_orders' AND column_name = 'tag'");
  console.log(`irreversible: traffic back                    ${back.toFixed(2).padStart(9)} s`);
  console.log(`irreversible: recovery to the deploy's mark   ${toMark.toFixed(1).padStart(9)} s`);
  console.log(`nx run deploy:rollback --database (whole)     ${irreversible.seconds.toFixed(1).padStart(9)} s`);
  console.log(`ratios: recovery / 300 s bar ${(toMark / 300).toFixed(3)}; whole command / 300 s ${(irreversible.seconds / 300).toFixed(3)}`);
  console.log(
    `data: the column ${tag === '0' ? 'is gone' : 'is STILL THERE'}; the orders at the mark ${recovered === atMark ? 'are back, checksum equal' : `DIFFER (${atMark} -> ${recovered})`}`,
  );
  if (tag !== '0' || recovered !== atMark) process.exitCode = 1;
} catch (error) {
  process.exitCode = 1;
  console.error(error.message);
  // What the database said, before its namespace goes.
  for (const args of [
    ['get', 'pods', '-o', 'wide'],
    ['logs', 'trading-db-0', '-c', 'postgres', '--tail=60'],
  ]) {
    try {
      console.error(`$ kubectl ${args.join(' ')}\n${kubectl(...args)}`);
    } catch (e) {
      console.error(`$ kubectl ${args.join(' ')}: ${e.message.split('\n')[0]}`);
    }
  }
} finally {
  deleteTestNamespace(NS);
  scratch.cleanup();
}
