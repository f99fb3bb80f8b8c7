// Versioned contracts: JSON Schema (every draft), OpenAPI 3.0/3.1 and AsyncAPI 2/3 as JSON or YAML;
// one digest whatever the spelling; lenient acceptance of non-strict vendor schemas with warnings;
// clear 400s for documents that cannot be used; diffs between versions.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { stringify as toYaml } from 'yaml';
import { systemContext } from '../../src/platform/request-context.js';
import { lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const DEMO_CONTRACTS = path.resolve('demo/contracts');

function ordersApi(version = '3.1.0', extraResponseProperty = true) {
  return {
    openapi: version,
    info: { title: 'Sales orders', version: '1.0.0' },
    paths: {
      '/orders': {
        post: {
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } },
          responses: {
            '201': { description: 'accepted', content: { 'application/json': { schema: { $ref: '#/components/schemas/Ack' } } } },
            '204': { description: 'nothing' },
          },
        },
      },
    },
    components: {
      schemas: {
        Order: { type: 'object', required: ['orderNumber', 'lines'], properties: { orderNumber: { type: 'string' }, lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } } } },
        Line: { type: 'object', required: ['gtin'], properties: { gtin: { type: 'string', pattern: '^\\d{14}$' }, quantity: { type: 'integer', minimum: 1 } } },
        Ack: { type: 'object', required: ['orderNumber'], properties: { orderNumber: { type: 'string' }, ...(extraResponseProperty ? { warehouse: { type: 'string' } } : {}) } },
      },
    },
  };
}

describeEachDatabase('contracts', (dialect) => {
  let wb: TestWorkbench;
  let it_: string;
  const post = (key: string, body: Record<string, unknown>) => request(wb.app).post(`/api/v1/interfaces/${key}/contracts`).set('Authorization', `Bearer ${it_}`).send(body);
  const get = (url: string) => request(wb.app).get(url).set('Authorization', `Bearer ${it_}`);
  const count = async () => Number((await wb.services.database.sequelize.query('SELECT COUNT(*) AS n FROM contracts', { plain: true }))!.n);

  before(async () => {
    wb = await createTestWorkbench(dialect);
    const ctx = systemContext('test');
    await wb.services.systems.create(ctx, ERP);
    await wb.services.systems.create(ctx, WMS);
    for (const key of ['IF-C-001', 'IF-C-002', 'IF-C-003', 'IF-C-004']) await wb.services.interfaces.create(ctx, anInterface(key));
    it_ = await wb.login('it');
  });
  after(async () => wb?.close());

  it('registers an OpenAPI 3.1 contract written in YAML: version 1, its digest, addressable targets, audited', async () => {
    const response = await post('IF-C-001', { format: 'openapi', document: toYaml(ordersApi()), note: 'initial' });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    expect(response.body).to.include({ version: 1, format: 'openapi', specVersion: '3.1.0' });
    expect(response.body.digest).to.match(/^[0-9a-f]{64}$/);
    expect(response.body.targets.map((t: { name: string }) => t.name)).to.deep.equal(['POST /orders request', 'POST /orders → 201']);
    expect(response.body.warnings).to.deep.equal([]);
    const event = await lastAuditEvent(wb.services, 'contract.registered');
    expect(event?.entity).to.deep.equal({ type: 'interface', id: 'IF-C-001' });
    expect(event?.after).to.include({ version: 1, digest: response.body.digest, note: 'initial' });
    expect((await get('/api/v1/interfaces/IF-C-001')).body.currentContractVersion).to.equal(1);
  });

  it('gives the same digest whatever the key order or the YAML/JSON spelling, so re-registering it is refused', async () => {
    const reordered = JSON.parse(JSON.stringify(ordersApi(), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
    const again = await post('IF-C-001', { format: 'openapi', document: JSON.stringify(reordered, null, 4) });
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('contract_unchanged');
    const stored = (await get('/api/v1/interfaces/IF-C-001/contracts/1')).body;
    expect(again.body.error.message).to.include(stored.digest);
    expect(stored.document).to.deep.equal(ordersApi());
  });

  it('compiles each target: the request schema validates an order through its $refs', async () => {
    const contract = await wb.services.contracts.get('IF-C-001', 1);
    const request_ = wb.services.contracts.compiledOf(contract).targets.find((t) => t.name === 'POST /orders request')!;
    expect(request_.validate({ orderNumber: 'SO-1', lines: [{ gtin: '00312345678906', quantity: 2 }] })).to.equal(true);
    expect(request_.validate({ orderNumber: 'SO-1', lines: [{ gtin: '123', quantity: 0 }] })).to.equal(false);
  });

  it('accepts every JSON Schema draft (04, 06, 07, 2019-09, 2020-12)', async () => {
    const drafts: Array<[string, Record<string, unknown>]> = [
      ['draft-04', { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties: { qty: { type: 'number', maximum: 10, exclusiveMaximum: true } } }],
      ['draft-06', { $schema: 'http://json-schema.org/draft-06/schema#', type: 'object', properties: { qty: { type: 'number', exclusiveMaximum: 10 } } }],
      ['draft-07', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', if: { required: ['a'] }, then: { required: ['b'] } }],
      ['2019-09', { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', $defs: { sscc: { type: 'string', pattern: '^\\d{18}$' } }, properties: { sscc: { $ref: '#/$defs/sscc' } }, unevaluatedProperties: false }],
      ['2020-12', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'integer' } }],
    ];
    for (const [i, [draft, document]] of drafts.entries()) {
      const response = await post('IF-C-002', { format: 'json-schema', document, note: draft });
      expect(response.status, `${draft}: ${JSON.stringify(response.body)}`).to.equal(201);
      expect(response.body).to.include({ specVersion: draft, version: i + 1 });
    }
  });

  it('accepts AsyncAPI 2.6 and 3.0 with each message payload addressable', async () => {
    const v3 = await post('IF-C-003', { format: 'asyncapi', document: fs.readFileSync(path.join(DEMO_CONTRACTS, 'cold-chain-telemetry.asyncapi.yaml'), 'utf8') });
    expect(v3.status, JSON.stringify(v3.body)).to.equal(201);
    expect(v3.body.specVersion).to.match(/^3\./);
    expect(v3.body.targets.map((t: { name: string }) => t.name)).to.include('message TemperatureReading');
    const v2 = await post('IF-C-003', { format: 'asyncapi', document: fs.readFileSync(path.join(DEMO_CONTRACTS, 'ser-wms-commissioning-events.asyncapi.yaml'), 'utf8') });
    expect(v2.status, JSON.stringify(v2.body)).to.equal(201);
    expect(v2.body.specVersion).to.match(/^2\./);
    expect(v2.body.targets.every((t: { kind: string }) => t.kind === 'message')).to.equal(true);
  });

  it('accepts a vendor schema that fails ajv strict mode, storing and showing the warnings, and still validates with it', async () => {
    const vendor = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['gtin', 'lot'], properties: { gtin: { type: 'string', gs1Format: 'N14', pattern: '^\\d{14}$' }, lot: { type: 'string' } }, 'x-vendor': 'ACME' };
    const response = await post('IF-C-004', { format: 'json-schema', document: vendor });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    expect(response.body.warnings.join('\n')).to.match(/strict mode.*gs1Format/);
    const stored = (await get(`/api/v1/interfaces/IF-C-004/contracts/${response.body.version}`)).body;
    expect(stored.warnings).to.deep.equal(response.body.warnings);
    const schema = wb.services.contracts.compiledOf(await wb.services.contracts.get('IF-C-004', response.body.version)).targets[0]!;
    expect(schema.validate({ gtin: '00312345678906', lot: 'L1' })).to.equal(true);
    expect(schema.validate({ gtin: 'ABC', lot: 'L1' })).to.equal(false);
  });

  it('keeps properties whose names start with x- (only x- keywords are annotations)', async () => {
    const api = ordersApi();
    (api.components.schemas as Record<string, unknown>).Ack = { type: 'object', required: ['x-correlation-id'], additionalProperties: false, properties: { 'x-correlation-id': { type: 'string' } }, 'x-internal': true };
    const response = await post('IF-C-004', { format: 'openapi', document: api });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    const ack = wb.services.contracts.compiledOf(await wb.services.contracts.get('IF-C-004', response.body.version)).targets.find((t) => t.name === 'POST /orders → 201')!;
    expect(ack.validate({ 'x-correlation-id': 'c-1' })).to.equal(true);
    expect(ack.validate({})).to.equal(false);
  });

  it('reads YAML merge keys as merges, and OpenAPI default responses, shared requestBodies and components with $id', async () => {
    const yaml = [
      'openapi: 3.1.0',
      'info: {title: Receipts, version: "1"}',
      'paths:',
      '  /receipts:',
      '    post:',
      "      requestBody: {$ref: '#/components/requestBodies/Receipt'}",
      '      responses:',
      "        default: {description: error, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}",
      'components:',
      '  schemas:',
      '    Base: &base {type: object, required: [id], properties: {id: {type: string}}}',
      '    Receipt:',
      '      <<: *base',
      '      $id: https://example.com/receipt',
      '    Error: {type: object, required: [code], properties: {code: {type: string}}}',
      '  requestBodies:',
      "    Receipt: {content: {application/json: {schema: {$ref: '#/components/schemas/Receipt'}}}}",
    ].join('\n');
    const response = await post('IF-C-004', { format: 'openapi', document: yaml });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    expect(response.body.targets.map((t: { name: string }) => t.name)).to.deep.equal(['POST /receipts request', 'POST /receipts → default']);
    const receipt = wb.services.contracts.compiledOf(await wb.services.contracts.get('IF-C-004', response.body.version)).targets[0]!;
    expect(receipt.validate({}), 'required [id] comes through the merge key').to.equal(false);
    expect(receipt.validate({ id: 'GR-1' })).to.equal(true);
  });

  it('marks AsyncAPI messages the application receives as inbound, so the diff blames the right side', async () => {
    const doc = (required: string[]) => ({
      asyncapi: '3.0.0',
      info: { title: 'Receiving', version: '1' },
      channels: { receipts: { address: 'receipts', messages: { Receipt: { payload: { type: 'object', required, properties: { id: { type: 'string' }, lot: { type: 'string' } } } } } } },
      operations: { onReceipt: { action: 'receive', channel: { $ref: '#/channels/receipts' } } },
    });
    const first = await post('IF-C-003', { format: 'asyncapi', document: doc(['id']) });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body.targets).to.deep.equal([{ name: 'message Receipt', kind: 'inbound-message', pointer: '/channels/receipts/messages/Receipt/payload' }]);
    const second = await post('IF-C-003', { format: 'asyncapi', document: doc(['id', 'lot']) });
    const diff = await get(`/api/v1/interfaces/IF-C-003/contracts/${first.body.version}/diff/${second.body.version}`);
    expect(diff.body.changes.find((c: { rule: string }) => c.rule === 'required_added')).to.deep.include({ path: '/lot', breakingFor: ['consumers'] });
  });

  it('keeps the validators of each version apart when one document is stored under two formats', async () => {
    const document = ordersApi('3.1.0', false);
    const asSchema = await post('IF-C-002', { format: 'json-schema', document });
    expect(asSchema.status, JSON.stringify(asSchema.body)).to.equal(201);
    const asOpenApi = await post('IF-C-004', { format: 'openapi', document });
    expect(asOpenApi.status).to.equal(201);
    expect(asOpenApi.body.digest).to.equal(asSchema.body.digest);
    const targets = async (key: string, version: number) => wb.services.contracts.compiledOf(await wb.services.contracts.get(key, version)).targets.map((t) => t.name);
    expect(await targets('IF-C-002', asSchema.body.version)).to.deep.equal(['schema']);
    expect(await targets('IF-C-004', asOpenApi.body.version)).to.deep.equal(['POST /orders request', 'POST /orders → 201']);
  });

  it('accepts a recursive schema (a packing hierarchy)', async () => {
    const tree = { $schema: 'https://json-schema.org/draft/2020-12/schema', $ref: '#/$defs/node', $defs: { node: { type: 'object', required: ['epc'], properties: { epc: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } } } };
    expect((await post('IF-C-004', { format: 'json-schema', document: tree })).status).to.equal(201);
  });

  describe('refuses, with a clear 4xx, and stores nothing:', () => {
    const cases: Array<[string, () => Record<string, unknown>, number, string, RegExp?]> = [
      ['text that is neither JSON nor YAML', () => ({ format: 'openapi', document: 'openapi: 3.1.0\ninfo: [unclosed' }), 400, 'contract_not_parseable'],
      ['a scalar document', () => ({ format: 'json-schema', document: '42' }), 400, 'contract_not_parseable'],
      ['an OpenAPI document with a broken $ref', () => ({ format: 'openapi', document: { ...ordersApi(), components: { schemas: { Order: { $ref: '#/components/schemas/Missing' } } } } }), 400, 'contract_invalid_ref', /'#\/components\/schemas\/Missing' does not point to anything/],
      ['a schema that recurses forever', () => ({ format: 'json-schema', document: { $ref: '#/definitions/a', definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } } } }), 400, 'contract_invalid_ref', /recurses forever/],
      ['an external $ref', () => ({ format: 'json-schema', document: { $ref: 'https://example.com/schema.json' } }), 400, 'contract_invalid_ref', /outside the document/],
      ['a schema that cannot be compiled', () => ({ format: 'json-schema', document: { type: 'strng' } }), 400, 'contract_not_compilable'],
      ['an OpenAPI document missing its info', () => ({ format: 'openapi', document: { openapi: '3.0.3', paths: {} } }), 400, 'contract_invalid'],
      ['a document that is not the declared format', () => ({ format: 'asyncapi', document: ordersApi() }), 400, 'contract_invalid'],
      ['an unknown JSON Schema dialect', () => ({ format: 'json-schema', document: { $schema: 'http://json-schema.org/draft-03/schema#' } }), 400, 'contract_invalid'],
      ['a document nested absurdly deep', () => ({ format: 'json-schema', document: JSON.parse(`${'{"items":'.repeat(400)}{}${'}'.repeat(400)}`) }), 400, 'contract_too_deep'],
      ['a contract over the size limit (20 MB)', () => ({ format: 'json-schema', document: `{"description": "${'x'.repeat(20 * 1024 * 1024)}"}` }), 413, 'payload_too_large'],
      ['a YAML alias bomb', () => ({ format: 'json-schema', document: ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n') }), 400, 'contract_not_parseable'],
      ['a YAML number JSON cannot hold (.nan)', () => ({ format: 'json-schema', document: 'type: number\nconst: .nan' }), 400, 'contract_not_parseable', /NaN is not a JSON value/],
      ['a YAML string escaping a lone surrogate', () => ({ format: 'json-schema', document: 'type: string\ndescription: "broken \\ud800 text"' }), 400, 'contract_not_parseable', /lone UTF-16 surrogate/],
      ['YAML binary data', () => ({ format: 'json-schema', document: 'type: string\nexamples: [!!binary aGVsbG8=]' }), 400, 'contract_not_parseable', /binary data/],
    ];
    for (const [name, body, status, code, message] of cases) {
      it(name, async () => {
        const before = await count();
        const response = await post('IF-C-004', body());
        expect(response.status, JSON.stringify(response.body).slice(0, 300)).to.equal(status);
        expect(response.body.error.code).to.equal(code);
        if (message) expect(response.body.error.details.map((d: { message: string }) => d.message).join('\n')).to.match(message);
        if (status === 400) for (const detail of response.body.error.details) expect(detail.field, 'each problem says where').to.be.a('string');
        expect(await count()).to.equal(before);
      });
    }

    it('a contract for an unknown interface (404)', async () => {
      expect((await post('IF-NOPE-9', { format: 'json-schema', document: {} })).status).to.equal(404);
    });
  });

  it('says where a broken reference is, as a JSON pointer into the document', async () => {
    const response = await post('IF-C-004', { format: 'openapi', document: { ...ordersApi(), components: { schemas: { ...ordersApi().components.schemas, Line: { $ref: '#/components/schemas/Nowhere' } } } } });
    expect(response.body.error.details).to.deep.equal([{ field: 'body.document', pointer: '/components/schemas/Line/$ref', rule: 'unresolvable_ref', message: "'#/components/schemas/Nowhere' does not point to anything in the document" }]);
  });

  it('diffs two versions: a property removed from a response breaks consumers, in JSON and in text', async () => {
    const v2 = await post('IF-C-001', { format: 'openapi', document: ordersApi('3.1.0', false) });
    expect(v2.status).to.equal(201);
    const diff = await get('/api/v1/interfaces/IF-C-001/contracts/1/diff/2');
    expect(diff.status, JSON.stringify(diff.body)).to.equal(200);
    expect(diff.body).to.include({ from: 1, to: 2, breaking: true });
    const removed = diff.body.changes.find((c: { rule: string }) => c.rule === 'property_removed');
    expect(removed).to.deep.include({ target: 'POST /orders → 201', path: '/warehouse', classification: 'breaking', breakingFor: ['consumers'] });
    expect(diff.body.text).to.include('POST /orders → 201').and.include('/warehouse');
    const same = await get('/api/v1/interfaces/IF-C-001/contracts/2/diff/2');
    expect(same.body).to.include({ breaking: false });
    expect(same.body.changes).to.deep.equal([]);
    expect((await get('/api/v1/interfaces/IF-C-001/contracts/1/diff/7')).status).to.equal(404);
  });

  it('numbers contract versions registered at the same moment one after the other', async () => {
    const made = await Promise.all([1, 2, 3, 4].map((n) => post('IF-C-003', { format: 'json-schema', document: { type: 'object', title: `concurrent ${n}` } })));
    expect(made.map((r) => r.status)).to.deep.equal([201, 201, 201, 201]);
    const versions = made.map((r) => r.body.version as number).sort((a, b) => a - b);
    expect(versions).to.deep.equal([versions[0]!, versions[0]! + 1, versions[0]! + 2, versions[0]! + 3]);
  });

  it('keeps stored contracts immutable in the database', async () => {
    let refused: Error | null = null;
    await wb.services.database.sequelize.query("UPDATE contracts SET note = 'rewritten'").catch((e: Error) => (refused = e));
    expect(String((refused as { parent?: Error } | null)?.parent?.message ?? refused)).to.match(/append-only/);
  });
});
