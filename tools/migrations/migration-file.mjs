// A migration file as dbmate runs it, plus the release kind we require of it. Pure: no I/O.
//
//   <version>_<name>.sql
//   -- release: expand | contract      (what the release may do with it: see lint.mjs)
//   -- migrate:up [transaction:false]
//   ...SQL...
//   -- migrate:down [transaction:false]
//   ...SQL, or nothing: irreversible (a database rollback past it is a restore)...

const NAME = /^(\d+)_([a-z0-9_]+)\.sql$/;

/** { version, name, kind, up, down, upInTransaction, reversible } or { problems: [...] } for what is wrong with it. */
export function parseMigration(fileName, text) {
  const problems = [];
  const named = NAME.exec(fileName);
  if (!named) problems.push(`${fileName}: the name must be <version digits>_<lowercase_name>.sql`);
  const kind = /^-- release: (\w+)\s*$/m.exec(text)?.[1];
  if (!kind) problems.push(`${fileName}: no "-- release: expand" or "-- release: contract" line: say what the live release can run beside`);
  else if (!['expand', 'contract'].includes(kind)) problems.push(`${fileName}: release "${kind}" is neither expand nor contract`);
  const upAt = text.search(/^-- migrate:up\b.*$/m);
  const downAt = text.search(/^-- migrate:down\b.*$/m);
  if (upAt < 0) problems.push(`${fileName}: no "-- migrate:up" line`);
  if (downAt < 0) problems.push(`${fileName}: no "-- migrate:down" line (leave it empty for an irreversible migration)`);
  if (upAt >= 0 && downAt >= 0 && downAt < upAt) problems.push(`${fileName}: "-- migrate:down" comes before "-- migrate:up"`);
  if (problems.length) return { problems };
  const line = (at) => text.slice(at, text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at));
  const body = (from, to) => text.slice(text.indexOf('\n', from) < 0 ? text.length : text.indexOf('\n', from) + 1, to);
  const up = body(upAt, downAt);
  const down = body(downAt, text.length);
  return {
    version: named[1],
    name: named[2],
    kind,
    up,
    down,
    upInTransaction: !/transaction:false/.test(line(upAt)),
    reversible: stripComments(down).trim().length > 0,
  };
}

/** SQL without its comments (line and block), string literals kept. */
export function stripComments(sql) {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}
