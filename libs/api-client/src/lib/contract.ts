/**
 * Contract check between a service's OpenAPI document (JSON Schema 2020-12, as OpenAPI 3.1 uses)
 * and the client's schema for the same response (zod, as JSON Schema): every body the service may
 * send must be one the client accepts. Returns the breaks, each with its JSON path; [] = compatible.
 *
 * Checked: types (an integer where the client takes a number is fine, not the reverse), null where
 * the client needs a value, properties the client requires that the service may omit or does not
 * have, enum values the client does not know, array items and map values. Not checked: patterns
 * and bounds (the client's own validation reports those at run time).
 */
type Schema = Record<string, unknown>;

interface Shape {
  nullable: boolean;
  variants: Schema[];
}

function resolve(schema: Schema, doc: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${String(current.$ref)}`);
    const ref = current.$ref as string;
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, not ${ref}`);
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Schema | undefined)?.[key], doc);
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    current = target as Schema;
  }
  return current;
}

/** A schema as its non-null alternatives and whether null is allowed. */
function shape(schema: Schema, doc: Schema): Shape {
  const s = resolve(schema, doc);
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alternatives) {
    const shapes = alternatives.map((a) => shape(a, doc));
    return { nullable: shapes.some((x) => x.nullable), variants: shapes.flatMap((x) => x.variants) };
  }
  if (Array.isArray(s.type)) {
    const types = s.type as string[];
    return {
      nullable: types.includes('null'),
      variants: types.filter((t) => t !== 'null').map((type) => ({ ...s, type })),
    };
  }
  if (s.type === 'null') return { nullable: true, variants: [] };
  return { nullable: false, variants: [s] };
}

function typeFits(service: unknown, client: unknown): boolean {
  return client === undefined || service === client || (service === 'integer' && client === 'number');
}

export function incompatibilities(serviceSchema: Schema, serviceDoc: Schema, clientSchema: Schema, clientDoc: Schema = clientSchema, path = '$'): string[] {
  const service = shape(serviceSchema, serviceDoc);
  const client = shape(clientSchema, clientDoc);
  const problems: string[] = [];
  if (service.nullable && !client.nullable) problems.push(`${path}: the service may send null; the client requires a value`);
  for (const sv of service.variants) {
    const candidates = client.variants.filter((cv) => typeFits(sv.type, cv.type));
    if (candidates.length === 0) {
      const wanted = client.variants.map((cv) => String(cv.type ?? 'any')).join(' or ') || 'null';
      problems.push(`${path}: the service sends ${String(sv.type ?? 'any')}; the client takes ${wanted}`);
      continue;
    }
    // The first fitting alternative decides (the client's schemas have one per type).
    problems.push(...variantProblems(sv, serviceDoc, candidates[0], clientDoc, path));
  }
  return problems;
}

function variantProblems(sv: Schema, serviceDoc: Schema, cv: Schema, clientDoc: Schema, path: string): string[] {
  const problems: string[] = [];
  if (Array.isArray(cv.enum)) {
    const known = new Set(cv.enum as unknown[]);
    const sent = Array.isArray(sv.enum) ? (sv.enum as unknown[]) : sv.const !== undefined ? [sv.const] : undefined;
    if (!sent) problems.push(`${path}: the service may send any ${String(sv.type)}; the client knows only ${[...known].join(', ')}`);
    for (const value of sent ?? []) if (!known.has(value)) problems.push(`${path}: the service may send ${JSON.stringify(value)}, unknown to the client`);
  }
  if (cv.type === 'object' || cv.properties) {
    const sProps = (sv.properties ?? {}) as Record<string, Schema>;
    const sRequired = new Set((sv.required ?? []) as string[]);
    const cProps = (cv.properties ?? {}) as Record<string, Schema>;
    for (const name of (cv.required ?? []) as string[]) {
      if (!(name in sProps)) problems.push(`${path}.${name}: required by the client, not in the service's schema`);
      else if (!sRequired.has(name)) problems.push(`${path}.${name}: required by the client, optional in the service's schema`);
    }
    for (const [name, cp] of Object.entries(cProps)) {
      if (name in sProps) problems.push(...incompatibilities(sProps[name], serviceDoc, cp, clientDoc, `${path}.${name}`));
    }
    if (cv.additionalProperties && typeof cv.additionalProperties === 'object') {
      const sAdditional = sv.additionalProperties;
      if (sAdditional && typeof sAdditional === 'object') {
        problems.push(...incompatibilities(sAdditional as Schema, serviceDoc, cv.additionalProperties as Schema, clientDoc, `${path}.*`));
      } else if (Object.keys(sProps).length === 0) {
        problems.push(`${path}: the client takes a map; the service's values are not described`);
      }
    }
  }
  if (cv.type === 'array' && cv.items) {
    if (!sv.items) problems.push(`${path}[]: the service's items are not described`);
    else problems.push(...incompatibilities(sv.items as Schema, serviceDoc, cv.items as Schema, clientDoc, `${path}[]`));
  }
  return problems;
}
