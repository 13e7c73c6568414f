import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { incompatibilities } from './contract';
import { endpoints } from './endpoints';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON documents, walked and mutated freely
type Doc = Record<string, any>;
// The services' committed OpenAPI documents (each service's own test fails while its copy is stale).
const docs: Record<'agents' | 'engine', Doc> = {
  agents: JSON.parse(readFileSync(join(__dirname, '../../../../apps/agents/api/openapi.json'), 'utf8')),
  engine: JSON.parse(readFileSync(join(__dirname, '../../../../apps/execution-engine/api/openapi.json'), 'utf8')),
};

function responseSchema(doc: Doc, path: string): Doc {
  const schema = doc.paths?.[path]?.get?.responses?.['200']?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${doc.info?.title}: no JSON 200 response for GET ${path}`);
  return schema;
}

function check(name: keyof typeof endpoints, doc: Doc = docs[endpoints[name].service]): string[] {
  const endpoint = endpoints[name];
  return incompatibilities(responseSchema(doc, endpoint.path), doc, z.toJSONSchema(endpoint.schema) as Doc);
}

const copy = (doc: Doc): Doc => structuredClone(doc);

describe("the client against the services' OpenAPI documents", () => {
  it.each(Object.keys(endpoints) as (keyof typeof endpoints)[])('%s: every body the service may send is one the client accepts', (name) => {
    expect(check(name)).toEqual([]);
  });

  it('a field the service renames or makes optional breaks the contract', () => {
    const agents = copy(docs.agents);
    const positions = agents.components.schemas.PositionsOut;
    positions.properties.totalEquity = positions.properties.equity;
    delete positions.properties.equity;
    positions.required = positions.required.map((f: string) => (f === 'equity' ? 'totalEquity' : f));
    expect(check('positions', agents)).toEqual(["$.equity: required by the client, not in the service's schema"]);
    const engine = copy(docs.engine);
    engine.components.schemas.Booked.required = engine.components.schemas.Booked.required.filter((f: string) => f !== 'trades');
    expect(check('engineOrders', engine)).toEqual(["$.orders[].trades: required by the client, optional in the service's schema"]);
  });

  it('a changed type, a new null or a new enum value breaks the contract', () => {
    const engine = copy(docs.engine);
    engine.components.schemas.Status.properties.resting_bids = { type: 'string' };
    engine.components.schemas.Status.properties.instrument = { type: ['string', 'null'] };
    expect(check('engineStatus', engine)).toEqual([
      '$.instrument: the service may send null; the client requires a value',
      '$.resting_bids: the service sends string; the client takes integer',
    ]);
    const agents = copy(docs.agents);
    agents.components.schemas.OrderOut.properties.status.enum.push('cancelled');
    expect(check('agentOrders', agents)).toEqual(['$.orders[].status: the service may send "cancelled", unknown to the client']);
  });
});

describe('incompatibilities', () => {
  it('takes an integer where a number is expected, not the reverse', () => {
    expect(incompatibilities({ type: 'integer' }, {}, { type: 'number' })).toEqual([]);
    expect(incompatibilities({ type: 'number' }, {}, { type: 'integer' })).toEqual(['$: the service sends number; the client takes integer']);
    expect(incompatibilities({ type: 'string' }, {}, { type: 'null' })).toEqual(['$: the service sends string; the client takes null']);
    expect(incompatibilities({}, {}, {})).toEqual([]);
  });

  it('checks map values, array items, enums and consts', () => {
    const map = { type: 'object', additionalProperties: { type: 'string' } };
    expect(incompatibilities({ type: 'object', additionalProperties: { type: 'number' } }, {}, map)).toEqual([
      '$.*: the service sends number; the client takes string',
    ]);
    expect(incompatibilities({ type: 'object' }, {}, map)).toEqual(["$: the client takes a map; the service's values are not described"]);
    expect(incompatibilities({ type: 'array' }, {}, { type: 'array', items: { type: 'string' } })).toEqual(["$[]: the service's items are not described"]);
    const sides = { type: 'string', enum: ['buy', 'sell'] };
    expect(incompatibilities({ type: 'string', const: 'buy' }, {}, sides)).toEqual([]);
    expect(incompatibilities({ type: 'string' }, {}, sides)).toEqual(['$: the service may send any string; the client knows only buy, sell']);
    expect(incompatibilities({ oneOf: [{ type: 'null' }, { type: 'string' }] }, {}, { anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual([]);
  });

  it('says what is wrong with a $ref it cannot follow', () => {
    expect(() => incompatibilities({ $ref: 'other.json#/x' }, {}, {})).toThrow('only local $refs are supported, not other.json#/x');
    expect(() => incompatibilities({ $ref: '#/components/schemas/Gone' }, {}, {})).toThrow('unresolved $ref #/components/schemas/Gone');
    const loop = { components: { schemas: { A: { $ref: '#/components/schemas/A' } } } };
    expect(() => incompatibilities({ $ref: '#/components/schemas/A' }, loop, {})).toThrow('$ref cycle');
  });
});
