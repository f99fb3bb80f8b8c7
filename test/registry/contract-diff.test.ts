// The contract diff engine: each rule, in each direction, classified for the side it breaks.
// Producer/reader: clients produce requests (providers read them); providers produce responses and messages.
import { expect } from 'chai';
import { describeDiff, diffContracts, type ContractChange, type ContractShape, type ContractTarget, type TargetKind } from '../../src/registry/contract-diff.js';

const NAMES: Record<TargetKind, string> = {
  request: 'POST /capture request',
  response: 'POST /capture → 202',
  message: 'message ShippingEvent',
  'inbound-message': 'message ReceivingEvent',
  schema: 'schema',
};

function buildTarget(kind: TargetKind, schema: unknown, name = NAMES[kind]): ContractTarget {
  return { name, kind, schema };
}

function shapeOf(...targets: ContractTarget[]): ContractShape {
  return { targets };
}

/** Diff of one target whose schema changed from `before` to `after`. */
function diffSchema(kind: TargetKind, before: unknown, after: unknown) {
  return diffContracts(shapeOf(buildTarget(kind, before)), shapeOf(buildTarget(kind, after)));
}

/** The parts every rule test asserts exactly. */
function outline(changes: ContractChange[]) {
  return changes.map(({ rule, path, breakingFor }) => ({ rule, path, breakingFor }));
}

function changesOf(kind: TargetKind, before: unknown, after: unknown) {
  return outline(diffSchema(kind, before, after).changes);
}

const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });
const string = (extra: Record<string, unknown> = {}) => ({ type: 'string', ...extra });
const BREAKS_BOTH = ['consumers', 'providers'];

describe('contract diff', () => {
  describe('targets', () => {
    it('a removed message breaks consumers', () => {
      const diff = diffContracts(shapeOf(buildTarget('message', true), buildTarget('schema', true)), shapeOf(buildTarget('schema', true)));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'target_removed', path: '', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]!.target).to.equal('message ShippingEvent');
      expect(diff.changes[0]!.classification).to.equal('breaking');
      expect(diff.breaking).to.equal(true);
    });

    it('an inbound message (the application receives it) is written by the other side: a new required field breaks consumers, a new enum value breaks providers', () => {
      const before = object({ status: string({ enum: ['ok'] }) });
      const tighter = diffSchema('inbound-message', before, { ...before, required: ['status'] });
      expect(outline(tighter.changes)).to.deep.equal([{ rule: 'required_added', path: '/status', breakingFor: ['consumers'] }]);
      const looser = diffSchema('inbound-message', before, object({ status: string({ enum: ['ok', 'held'] }) }));
      expect(outline(looser.changes)).to.deep.equal([{ rule: 'enum_value_added', path: '/status', breakingFor: ['providers'] }]);
    });

    it('a removed request (operation) breaks consumers', () => {
      const diff = diffContracts(shapeOf(buildTarget('request', true)), shapeOf());
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'target_removed', path: '', breakingFor: ['consumers'] }]);
    });

    it('an added target is non-breaking', () => {
      const diff = diffContracts(shapeOf(), shapeOf(buildTarget('response', true)));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'target_added', path: '', breakingFor: [] }]);
      expect(diff.changes[0]!.classification).to.equal('non-breaking');
      expect(diff.breaking).to.equal(false);
      expect(diff.summary).to.deep.equal({ breaking: 0, nonBreaking: 1 });
    });

    it('a target whose kind changed between request and response cannot be classified and breaks both sides', () => {
      const diff = diffContracts(shapeOf(buildTarget('request', true, 'X')), shapeOf(buildTarget('response', true, 'X')));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'schema_changed', path: '', breakingFor: BREAKS_BOTH }]);
    });

    it('a message that became a plain schema (same direction) is diffed like any target', () => {
      const diff = diffContracts(shapeOf(buildTarget('message', string(), 'X')), shapeOf(buildTarget('schema', string({ maxLength: 3 }), 'X')));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
    });

    it('refuses two targets with the same name rather than silently dropping one', () => {
      expect(() => diffContracts(shapeOf(buildTarget('schema', true), buildTarget('schema', false)), shapeOf())).to.throw(/duplicate contract target name: schema/);
    });
  });

  describe('no change', () => {
    const schema = {
      $defs: { Item: object({ gtin: string({ pattern: '^[0-9]{14}$' }), quantity: { type: 'integer', minimum: 1 } }, { required: ['gtin'] }) },
      ...object({ shipment: object({ items: { type: 'array', items: { $ref: '#/$defs/Item' }, minItems: 1 } }) }, { required: ['shipment'], additionalProperties: false }),
    };

    it('identical shapes yield no changes and are not breaking', () => {
      const diff = diffContracts(shapeOf(buildTarget('request', schema), buildTarget('response', schema)), shapeOf(buildTarget('request', structuredClone(schema)), buildTarget('response', structuredClone(schema))));
      expect(diff).to.deep.equal({ breaking: false, changes: [], summary: { breaking: 0, nonBreaking: 0 } });
    });

    it('key order is irrelevant, in schemas, property maps and enum objects', () => {
      const reordered = {
        additionalProperties: false,
        required: ['shipment'],
        properties: { shipment: { properties: { items: { minItems: 1, items: { $ref: '#/$defs/Item' }, type: 'array' } }, type: 'object' } },
        type: 'object',
        $defs: { Item: { required: ['gtin'], properties: { quantity: { minimum: 1, type: 'integer' }, gtin: { pattern: '^[0-9]{14}$', type: 'string' } }, type: 'object' } },
      };
      expect(diffSchema('request', schema, reordered).changes).to.deep.equal([]);
      expect(diffSchema('message', { enum: [{ a: 1, b: 2 }] }, { enum: [{ b: 2, a: 1 }] }).changes).to.deep.equal([]);
    });

    it('examples, defaults and x- extensions are not reported', () => {
      const before = string({ examples: ['A'], 'x-owner': 'qa', default: 'A' });
      const after = string({ examples: ['B'], 'x-owner': 'it', default: 'B' });
      expect(diffSchema('response', before, after).changes).to.deep.equal([]);
    });

    it('a renamed definition with the same content is not a change', () => {
      const before = { $defs: { Lot: string({ maxLength: 20 }) }, ...object({ lot: { $ref: '#/$defs/Lot' } }) };
      const after = { definitions: { BatchNumber: string({ maxLength: 20 }) }, ...object({ lot: { $ref: '#/definitions/BatchNumber' } }) };
      expect(diffSchema('request', before, after).changes).to.deep.equal([]);
    });
  });

  describe('annotations', () => {
    it('a changed title or description is reported as non-breaking annotation_changed', () => {
      const diff = diffSchema('response', object({ lot: string({ description: 'Batch' }) }, { title: 'Old' }), object({ lot: string({ description: 'Lot number' }) }, { title: 'New' }));
      expect(outline(diff.changes)).to.deep.equal([
        { rule: 'annotation_changed', path: '', breakingFor: [] },
        { rule: 'annotation_changed', path: '/lot', breakingFor: [] },
      ]);
      expect(diff.changes[1]).to.include({ before: 'Batch', after: 'Lot number' });
      expect(diff.breaking).to.equal(false);
    });
  });

  describe('properties', () => {
    it('a property removed from a response breaks consumers (readers)', () => {
      expect(changesOf('response', object({ lot: string(), expiry: string() }), object({ lot: string() }))).to.deep.equal([
        { rule: 'property_removed', path: '/expiry', breakingFor: ['consumers'] },
      ]);
    });

    it('a property removed from a request breaks providers (readers)', () => {
      expect(changesOf('request', object({ lot: string(), expiry: string() }), object({ lot: string() }))).to.deep.equal([
        { rule: 'property_removed', path: '/expiry', breakingFor: ['providers'] },
      ]);
    });

    it('a property removed where additional properties are not allowed also breaks producers still sending it', () => {
      const closed = { additionalProperties: false };
      expect(changesOf('request', object({ lot: string(), expiry: string() }, closed), object({ lot: string() }, closed))).to.deep.equal([
        { rule: 'property_removed', path: '/expiry', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('a removed property that was required says so, without a separate required_removed', () => {
      const diff = diffSchema('message', object({ lot: string(), expiry: string() }, { required: ['lot', 'expiry'] }), object({ lot: string() }, { required: ['lot'] }));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'property_removed', path: '/expiry', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]!.description).to.match(/Property 'expiry' was removed \(it was required\)/);
    });

    it('a removed property is compared with the additionalProperties schema it now falls under', () => {
      const before = object({ lot: string(), qty: { type: 'integer' } }, { additionalProperties: { type: 'string' } });
      const after = object({ lot: string() }, { additionalProperties: { type: 'string' } });
      expect(changesOf('request', before, after)).to.deep.equal([
        { rule: 'property_removed', path: '/qty', breakingFor: ['providers'] },
        { rule: 'type_changed', path: '/qty', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('an optional property added to a response is non-breaking (tolerant reader)', () => {
      expect(changesOf('response', object({ lot: string() }), object({ lot: string(), site: string() }))).to.deep.equal([
        { rule: 'property_added', path: '/site', breakingFor: [] },
      ]);
    });

    it('an optional property added to a request is non-breaking', () => {
      expect(changesOf('request', object({ lot: string() }, { additionalProperties: false }), object({ lot: string(), site: string() }, { additionalProperties: false }))).to.deep.equal([
        { rule: 'property_added', path: '/site', breakingFor: [] },
      ]);
    });

    it('an added property is compared with the additionalProperties schema it used to fall under', () => {
      const before = object({}, { additionalProperties: { type: 'string' } });
      const after = object({ count: { type: 'integer' } }, { additionalProperties: { type: 'string' } });
      expect(changesOf('response', before, after)).to.deep.equal([
        { rule: 'property_added', path: '/count', breakingFor: [] },
        { rule: 'type_changed', path: '/count', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('escapes / and ~ in property names in the path', () => {
      expect(changesOf('response', object({ 'a/b~c': string() }), object({}))).to.deep.equal([{ rule: 'property_removed', path: '/a~1b~0c', breakingFor: ['consumers'] }]);
    });
  });

  describe('required', () => {
    it('a property newly required in a request breaks consumers (producers)', () => {
      expect(changesOf('request', object({ lot: string() }), object({ lot: string() }, { required: ['lot'] }))).to.deep.equal([
        { rule: 'required_added', path: '/lot', breakingFor: ['consumers'] },
      ]);
    });

    it('a property newly required in a response breaks providers (producers)', () => {
      expect(changesOf('response', object({ lot: string() }), object({ lot: string() }, { required: ['lot'] }))).to.deep.equal([
        { rule: 'required_added', path: '/lot', breakingFor: ['providers'] },
      ]);
    });

    it('a new required property is one required_added, not also property_added', () => {
      const diff = diffSchema('request', object({ lot: string() }), object({ lot: string(), site: string() }, { required: ['site'] }));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'required_added', path: '/site', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]!.description).to.match(/^New required property 'site' was added/);
    });

    it('a property no longer required in a response breaks consumers (readers)', () => {
      expect(changesOf('response', object({ lot: string() }, { required: ['lot'] }), object({ lot: string() }))).to.deep.equal([
        { rule: 'required_removed', path: '/lot', breakingFor: ['consumers'] },
      ]);
    });

    it('a property no longer required in a request breaks providers (readers)', () => {
      expect(changesOf('request', object({ lot: string() }, { required: ['lot'] }), object({ lot: string() }, { required: [] }))).to.deep.equal([
        { rule: 'required_removed', path: '/lot', breakingFor: ['providers'] },
      ]);
    });
  });

  describe('types', () => {
    it('a narrowed type (number → integer) in a request breaks consumers (producers)', () => {
      const diff = diffSchema('request', object({ qty: { type: 'number' } }), object({ qty: { type: 'integer' } }));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'type_changed', path: '/qty', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]).to.include({ before: 'number', after: 'integer' });
    });

    it('a narrowed type in a response breaks providers (producers)', () => {
      expect(changesOf('response', { type: ['string', 'null'] }, { type: 'string' })).to.deep.equal([{ rule: 'type_changed', path: '', breakingFor: ['providers'] }]);
    });

    it('a widened type (integer → number) in a response breaks consumers (readers)', () => {
      expect(changesOf('response', object({ qty: { type: 'integer' } }), object({ qty: { type: 'number' } }))).to.deep.equal([
        { rule: 'type_changed', path: '/qty', breakingFor: ['consumers'] },
      ]);
    });

    it('a widened type in a request breaks providers (readers)', () => {
      expect(changesOf('request', { type: 'string' }, { type: ['string', 'null'] })).to.deep.equal([{ rule: 'type_changed', path: '', breakingFor: ['providers'] }]);
    });

    it('an incompatible type change (string → number) breaks both sides', () => {
      expect(changesOf('message', object({ lot: string() }), object({ lot: { type: 'number' } }))).to.deep.equal([
        { rule: 'type_changed', path: '/lot', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('adding a type where there was none narrows it', () => {
      expect(changesOf('request', {}, { type: 'string' })).to.deep.equal([{ rule: 'type_changed', path: '', breakingFor: ['consumers'] }]);
    });

    it('a type change does not also report the keywords of the type that went away', () => {
      expect(changesOf('response', object({ lot: string() }, { required: ['lot'] }), string({ maxLength: 3 }))).to.deep.equal([
        { rule: 'type_changed', path: '', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('nullable removed (OpenAPI 3.0) tightens: breaks providers of a response', () => {
      expect(changesOf('response', string({ nullable: true }), string())).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
    });

    it('nullable added loosens: breaks consumers reading a response, providers reading a request', () => {
      expect(changesOf('response', string(), string({ nullable: true }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('request', string({ nullable: false }), string({ nullable: true }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['providers'] }]);
    });

    it('nullable: true and type [string, null] are the same and not a change', () => {
      expect(changesOf('response', string({ nullable: true }), { type: ['string', 'null'] })).to.deep.equal([]);
    });
  });

  describe('enum and const', () => {
    const status = (...values: string[]) => object({ status: string({ enum: values }) });

    it('an enum value removed from a request breaks consumers (producers)', () => {
      const diff = diffSchema('request', status('SHIPPED', 'RECALLED'), status('SHIPPED'));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'enum_value_removed', path: '/status', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]!.before).to.equal('RECALLED');
    });

    it('an enum value removed from a response breaks providers (producers)', () => {
      expect(changesOf('response', status('SHIPPED', 'RECALLED'), status('SHIPPED'))).to.deep.equal([
        { rule: 'enum_value_removed', path: '/status', breakingFor: ['providers'] },
      ]);
    });

    it('an enum value added to a message breaks consumers (readers)', () => {
      const diff = diffSchema('message', status('SHIPPED'), status('SHIPPED', 'RECALLED'));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'enum_value_added', path: '/status', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]!.after).to.equal('RECALLED');
    });

    it('an enum value added to a request breaks providers (readers)', () => {
      expect(changesOf('request', status('SHIPPED'), status('SHIPPED', 'RECALLED'))).to.deep.equal([
        { rule: 'enum_value_added', path: '/status', breakingFor: ['providers'] },
      ]);
    });

    it('a changed const is a value removed and a value added', () => {
      expect(changesOf('response', { const: 'v1' }, { const: 'v2' })).to.deep.equal([
        { rule: 'enum_value_removed', path: '', breakingFor: ['providers'] },
        { rule: 'enum_value_added', path: '', breakingFor: ['consumers'] },
      ]);
    });

    it('const and a one-value enum are the same', () => {
      expect(changesOf('response', { const: 'v1' }, { enum: ['v1'] })).to.deep.equal([]);
    });

    it('introducing an enum tightens, dropping it loosens', () => {
      expect(changesOf('request', string(), string({ enum: ['A'] }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('request', string({ enum: ['A'] }), string())).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['providers'] }]);
    });
  });

  describe('string constraints', () => {
    it('minLength raised tightens: breaks consumers sending a request', () => {
      const diff = diffSchema('request', string({ minLength: 1 }), string({ minLength: 3 }));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]).to.include({ before: 1, after: 3 });
    });

    it('maxLength lowered tightens: breaks providers producing a response', () => {
      expect(changesOf('response', string({ maxLength: 20 }), string({ maxLength: 10 }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
    });

    it('maxLength raised or removed loosens: breaks consumers reading a response', () => {
      expect(changesOf('response', string({ maxLength: 10 }), string({ maxLength: 20 }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('response', string({ maxLength: 10 }), string())).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
    });

    it('minLength added tightens, removed loosens', () => {
      expect(changesOf('message', string(), string({ minLength: 1 }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
      expect(changesOf('message', string({ minLength: 1 }), string())).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
    });

    it('a pattern added tightens, removed loosens, changed breaks both', () => {
      expect(changesOf('request', string(), string({ pattern: '^[A-Z]+$' }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('request', string({ pattern: '^[A-Z]+$' }), string())).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['providers'] }]);
      expect(changesOf('request', string({ pattern: '^[A-Z]+$' }), string({ pattern: '^[0-9]+$' }))).to.deep.equal([{ rule: 'constraint_changed', path: '', breakingFor: BREAKS_BOTH }]);
    });

    it('a format added tightens, removed loosens, changed breaks both', () => {
      expect(changesOf('response', string(), string({ format: 'date-time' }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
      expect(changesOf('response', string({ format: 'date-time' }), string())).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('response', string({ format: 'date-time' }), string({ format: 'date' }))).to.deep.equal([{ rule: 'constraint_changed', path: '', breakingFor: BREAKS_BOTH }]);
    });
  });

  describe('numeric constraints', () => {
    const number = (extra: Record<string, unknown> = {}) => ({ type: 'number', ...extra });

    it('minimum raised tightens (request: breaks consumers), lowered loosens (request: breaks providers)', () => {
      expect(changesOf('request', number({ minimum: 0 }), number({ minimum: 1 }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('request', number({ minimum: 1 }), number({ minimum: 0 }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['providers'] }]);
    });

    it('maximum lowered tightens (response: breaks providers), removed loosens (response: breaks consumers)', () => {
      expect(changesOf('response', number({ maximum: 100 }), number({ maximum: 50 }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
      expect(changesOf('response', number({ maximum: 100 }), number())).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
    });

    it('minimum → exclusiveMinimum at the same value tightens; the reverse loosens', () => {
      const diff = diffSchema('request', number({ minimum: 0 }), number({ exclusiveMinimum: 0 }));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]).to.deep.include({ before: { minimum: 0 }, after: { exclusiveMinimum: 0 } });
      expect(diff.changes[0]!.description).to.match(/Lower bound changed from >= 0 to > 0/);
      expect(changesOf('request', number({ exclusiveMinimum: 0 }), number({ minimum: 0 }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['providers'] }]);
    });

    it('draft-04 boolean exclusiveMaximum: true added beside maximum tightens', () => {
      expect(changesOf('response', number({ maximum: 10 }), number({ maximum: 10, exclusiveMaximum: true }))).to.deep.equal([
        { rule: 'constraint_tightened', path: '', breakingFor: ['providers'] },
      ]);
    });

    it('draft-04 and draft-06 spellings of the same bound are not a change', () => {
      expect(changesOf('response', number({ maximum: 10, exclusiveMaximum: true }), number({ exclusiveMaximum: 10 }))).to.deep.equal([]);
    });

    it('multipleOf: old divides new tightens, new divides old loosens, neither breaks both, added tightens', () => {
      expect(changesOf('request', number({ multipleOf: 5 }), number({ multipleOf: 10 }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('request', number({ multipleOf: 10 }), number({ multipleOf: 5 }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['providers'] }]);
      expect(changesOf('request', number({ multipleOf: 0.01 }), number({ multipleOf: 0.001 }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['providers'] }]);
      expect(changesOf('request', number({ multipleOf: 4 }), number({ multipleOf: 6 }))).to.deep.equal([{ rule: 'constraint_changed', path: '', breakingFor: BREAKS_BOTH }]);
      expect(changesOf('request', number(), number({ multipleOf: 2 }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
    });

    it('numeric keywords on an integer still count when the type widens to number', () => {
      expect(changesOf('response', { type: 'integer', minimum: 1 }, { type: 'number', minimum: 1 })).to.deep.equal([{ rule: 'type_changed', path: '', breakingFor: ['consumers'] }]);
    });
  });

  describe('array and object constraints', () => {
    const array = (extra: Record<string, unknown> = {}) => ({ type: 'array', items: string(), ...extra });

    it('minItems raised tightens a request (consumers); maxItems raised loosens a response (consumers)', () => {
      expect(changesOf('request', array({ minItems: 1 }), array({ minItems: 2 }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('response', array({ maxItems: 10 }), array({ maxItems: 20 }))).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
    });

    it('uniqueItems false → true tightens; true → absent loosens', () => {
      expect(changesOf('response', array({ uniqueItems: false }), array({ uniqueItems: true }))).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
      expect(changesOf('response', array({ uniqueItems: true }), array())).to.deep.equal([{ rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] }]);
    });

    it('minProperties raised tightens; maxProperties lowered tightens', () => {
      expect(changesOf('request', { type: 'object', minProperties: 1 }, { type: 'object', minProperties: 2 })).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('message', { type: 'object', maxProperties: 5 }, { type: 'object', maxProperties: 4 })).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
    });

    it('additionalProperties absent → false tightens (request: breaks consumers)', () => {
      expect(changesOf('request', object({ lot: string() }), object({ lot: string() }, { additionalProperties: false }))).to.deep.equal([
        { rule: 'constraint_tightened', path: '', breakingFor: ['consumers'] },
      ]);
    });

    it('additionalProperties true → a schema tightens the values at /*', () => {
      expect(changesOf('request', object({}, { additionalProperties: true }), object({}, { additionalProperties: { type: 'string' } }))).to.deep.equal([
        { rule: 'type_changed', path: '/*', breakingFor: ['consumers'] },
      ]);
    });

    it('additionalProperties false → absent loosens (response: breaks consumers)', () => {
      expect(changesOf('response', object({ lot: string() }, { additionalProperties: false }), object({ lot: string() }))).to.deep.equal([
        { rule: 'constraint_loosened', path: '', breakingFor: ['consumers'] },
      ]);
    });

    it('additionalProperties schemas are compared at /*', () => {
      const map = (max: number) => ({ type: 'object', additionalProperties: string({ maxLength: max }) });
      expect(changesOf('response', map(10), map(20))).to.deep.equal([{ rule: 'constraint_loosened', path: '/*', breakingFor: ['consumers'] }]);
    });

    it('pattern properties are compared at /{pattern}; an added pattern is unclassified', () => {
      const patterned = (patterns: Record<string, unknown>) => ({ type: 'object', patternProperties: patterns });
      expect(changesOf('response', patterned({ '^x-': string() }), patterned({ '^x-': { type: 'integer' } }))).to.deep.equal([
        { rule: 'type_changed', path: '/{^x-}', breakingFor: BREAKS_BOTH },
      ]);
      expect(changesOf('response', patterned({}), patterned({ '^y-': string() }))).to.deep.equal([{ rule: 'schema_changed', path: '/{^y-}', breakingFor: BREAKS_BOTH }]);
    });
  });

  describe('recursion into items, properties and tuples', () => {
    const shipment = (gtin: unknown) => object({ shipment: object({ items: { type: 'array', items: object({ gtin }) } }) });

    it('builds the data path through properties and array items', () => {
      expect(changesOf('message', shipment(string()), shipment(string({ maxLength: 14 })))).to.deep.equal([
        { rule: 'constraint_tightened', path: '/shipment/items[]/gtin', breakingFor: ['providers'] },
      ]);
    });

    it('items at the root are at []', () => {
      expect(changesOf('response', { type: 'array', items: string() }, { type: 'array', items: { type: 'integer' } })).to.deep.equal([
        { rule: 'type_changed', path: '[]', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('prefixItems are compared by position at [i]', () => {
      const tuple = (second: unknown) => ({ type: 'array', prefixItems: [string(), second] });
      expect(changesOf('request', tuple({ type: 'number' }), tuple({ type: 'integer' }))).to.deep.equal([{ rule: 'type_changed', path: '[1]', breakingFor: ['consumers'] }]);
    });

    it('a new tuple position is compared with the items schema it used to fall under', () => {
      const before = { type: 'array', items: { type: 'number' } };
      const after = { type: 'array', prefixItems: [{ type: 'integer' }], items: { type: 'number' } };
      expect(changesOf('request', before, after)).to.deep.equal([{ rule: 'type_changed', path: '[0]', breakingFor: ['consumers'] }]);
    });

    it('draft-04 items arrays and additionalItems are tuples too', () => {
      const before = { type: 'array', items: [string()], additionalItems: true };
      const after = { type: 'array', items: [string()], additionalItems: false };
      expect(changesOf('response', before, after)).to.deep.equal([{ rule: 'constraint_tightened', path: '[]', breakingFor: ['providers'] }]);
    });
  });

  describe('boolean schemas', () => {
    it('true → false accepts nothing: tightened (response: breaks providers)', () => {
      expect(changesOf('response', true, false)).to.deep.equal([{ rule: 'constraint_tightened', path: '', breakingFor: ['providers'] }]);
    });

    it('false → a schema accepts something: loosened (response: breaks consumers)', () => {
      expect(changesOf('response', object({ x: false }), object({ x: string() }))).to.deep.equal([{ rule: 'constraint_loosened', path: '/x', breakingFor: ['consumers'] }]);
    });

    it('true → a typed schema narrows; true and {} are the same', () => {
      expect(changesOf('request', true, string())).to.deep.equal([{ rule: 'type_changed', path: '', breakingFor: ['consumers'] }]);
      expect(changesOf('request', true, {})).to.deep.equal([]);
    });
  });

  describe('composition', () => {
    const payment = (keyword: string, branches: unknown[]) => object({ payment: { [keyword]: branches } });
    const card = object({ pan: string() }, { required: ['pan'] });
    const iban = object({ iban: string() }, { required: ['iban'] });
    const cheque = object({ number: string() }, { required: ['number'] });

    it('an anyOf branch added loosens (response: breaks consumers)', () => {
      expect(changesOf('response', payment('anyOf', [card, iban]), payment('anyOf', [card, iban, cheque]))).to.deep.equal([
        { rule: 'constraint_loosened', path: '/payment', breakingFor: ['consumers'] },
      ]);
    });

    it('a oneOf branch removed tightens (request: breaks consumers)', () => {
      const diff = diffSchema('request', payment('oneOf', [card, iban]), payment('oneOf', [card]));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'constraint_tightened', path: '/payment', breakingFor: ['consumers'] }]);
      expect(diff.changes[0]!.description).to.match(/oneOf branch 2 was removed/);
    });

    it('an allOf branch added tightens (request: breaks consumers); removed loosens (request: breaks providers)', () => {
      expect(changesOf('request', payment('allOf', [card]), payment('allOf', [card, iban]))).to.deep.equal([{ rule: 'constraint_tightened', path: '/payment', breakingFor: ['consumers'] }]);
      expect(changesOf('request', payment('allOf', [card, iban]), payment('allOf', [card]))).to.deep.equal([{ rule: 'constraint_loosened', path: '/payment', breakingFor: ['providers'] }]);
    });

    it('a change inside a branch is found at the data path, branches compared in order', () => {
      const looserIban = object({ iban: string() });
      expect(changesOf('response', payment('oneOf', [card, iban]), payment('oneOf', [card, looserIban]))).to.deep.equal([
        { rule: 'required_removed', path: '/payment/iban', breakingFor: ['consumers'] },
      ]);
    });

    it('reordered branches are not a change', () => {
      expect(changesOf('response', payment('oneOf', [card, iban, cheque]), payment('oneOf', [cheque, card, iban]))).to.deep.equal([]);
    });

    it('an allOf branch restating a type its sibling already imposes is not a change', () => {
      const party = object({ gln: string() });
      const before = { $defs: { Party: party }, ...object({ shipTo: { allOf: [{ $ref: '#/$defs/Party' }, { required: ['gln'] }] } }) };
      const after = { $defs: { Party: party }, ...object({ shipTo: { allOf: [{ $ref: '#/$defs/Party' }, { type: 'object', required: ['gln'] }] } }) };
      expect(changesOf('request', before, after)).to.deep.equal([]);
    });

    it('a type moved from one allOf branch to another is not a change', () => {
      const before = { allOf: [{ type: 'object', properties: { gln: string() } }, { required: ['gln'] }] };
      const after = { allOf: [{ properties: { gln: string() } }, { type: 'object', required: ['gln'] }] };
      expect(changesOf('response', before, after)).to.deep.equal([]);
    });

    it('an allOf branch narrowing a type its siblings allow is still a change', () => {
      const before = { allOf: [{ type: ['string', 'integer'] }, { minLength: 1 }] };
      const after = { allOf: [{ type: ['string', 'integer'] }, { type: 'string', minLength: 1 }] };
      expect(changesOf('request', before, after)).to.deep.equal([{ rule: 'type_changed', path: '', breakingFor: ['consumers'] }]);
    });

    it('anyOf introduced where there was none tightens', () => {
      expect(changesOf('message', object({ payment: {} }), payment('anyOf', [card, iban]))).to.deep.equal([{ rule: 'constraint_tightened', path: '/payment', breakingFor: ['providers'] }]);
    });
  });

  describe('$ref', () => {
    it('follows $ref on both sides and reports the change at the data path', () => {
      const before = { definitions: { Lot: string({ maxLength: 20 }) }, ...object({ lot: { $ref: '#/definitions/Lot' } }) };
      const after = { definitions: { Lot: string({ maxLength: 10 }) }, ...object({ lot: { $ref: '#/definitions/Lot' } }) };
      expect(changesOf('request', before, after)).to.deep.equal([{ rule: 'constraint_tightened', path: '/lot', breakingFor: ['consumers'] }]);
    });

    it('compares a $ref on one side with an inline schema on the other', () => {
      const before = { $defs: { Lot: string() }, ...object({ lot: { $ref: '#/$defs/Lot' } }) };
      const after = object({ lot: { type: 'integer' } });
      expect(changesOf('response', before, after)).to.deep.equal([{ rule: 'type_changed', path: '/lot', breakingFor: BREAKS_BOTH }]);
    });

    it('resolves generic JSON pointers, including escaped segments', () => {
      const before = { components: { 'a/b': string() }, ...object({ x: { $ref: '#/components/a~1b' } }) };
      const after = { components: { 'a/b': string({ format: 'uuid' }) }, ...object({ x: { $ref: '#/components/a~1b' } }) };
      expect(changesOf('message', before, after)).to.deep.equal([{ rule: 'constraint_tightened', path: '/x', breakingFor: ['providers'] }]);
    });

    it('a root that is itself a $ref beside $defs is followed', () => {
      const root = (max: number) => ({ $ref: '#/$defs/Event', $defs: { Event: object({ id: string({ maxLength: max }) }) } });
      expect(changesOf('message', root(36), root(64))).to.deep.equal([{ rule: 'constraint_loosened', path: '/id', breakingFor: ['consumers'] }]);
    });

    it('keywords beside a $ref count too', () => {
      const before = { $defs: { Lot: string() }, ...object({ lot: { $ref: '#/$defs/Lot', description: 'lot' } }) };
      const after = { $defs: { Lot: string() }, ...object({ lot: { $ref: '#/$defs/Lot', description: 'lot', maxLength: 5 } }) };
      expect(changesOf('request', before, after)).to.deep.equal([{ rule: 'constraint_tightened', path: '/lot', breakingFor: ['consumers'] }]);
    });

    it('a $ref that cannot be resolved and changed is unclassified and breaks both sides', () => {
      expect(changesOf('response', object({ x: { $ref: '#/$defs/Missing' } }), object({ x: { $ref: '#/$defs/Gone' } }))).to.deep.equal([
        { rule: 'schema_changed', path: '/x', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('a $ref that loops on itself terminates', () => {
      const looping = { $defs: { A: { $ref: '#/$defs/A' } }, ...object({ x: { $ref: '#/$defs/A' } }) };
      expect(changesOf('response', looping, structuredClone(looping))).to.deep.equal([]);
    });
  });

  describe('recursive schemas', () => {
    // A bill of materials: each component may contain components, to any depth.
    const bom = (lotSchema: unknown) => ({
      $defs: { Component: object({ lot: lotSchema, components: { type: 'array', items: { $ref: '#/$defs/Component' } } }) },
      $ref: '#/$defs/Component',
    });

    it('terminates on identical recursive schemas', () => {
      expect(changesOf('message', bom(string()), bom(string()))).to.deep.equal([]);
    });

    it('terminates and finds a change inside the recursive definition', () => {
      expect(changesOf('message', bom(string()), bom(string({ maxLength: 10 })))).to.deep.equal([{ rule: 'constraint_tightened', path: '/lot', breakingFor: ['providers'] }]);
    });

    it('terminates when recursion is misaligned between versions and finds a change deep inside', () => {
      // Before: a tree of nodes. After: the same tree unrolled one level inline, with the leaf name tightened.
      const before = { definitions: { Node: object({ name: string(), children: { type: 'array', items: { $ref: '#/definitions/Node' } } }) }, $ref: '#/definitions/Node' };
      const after = {
        definitions: { Node: object({ name: string({ minLength: 1 }), children: { type: 'array', items: { $ref: '#/definitions/Node' } } }) },
        ...object({ name: string(), children: { type: 'array', items: { $ref: '#/definitions/Node' } } }),
      };
      expect(changesOf('request', before, after)).to.deep.equal([{ rule: 'constraint_tightened', path: '/children[]/name', breakingFor: ['consumers'] }]);
    });

    it('terminates on mutually recursive definitions', () => {
      const mutual = (max: number) => ({
        $defs: {
          Order: object({ id: string({ maxLength: max }), lines: { type: 'array', items: { $ref: '#/$defs/Line' } } }),
          Line: object({ order: { $ref: '#/$defs/Order' } }),
        },
        $ref: '#/$defs/Order',
      });
      expect(changesOf('response', mutual(10), mutual(10))).to.deep.equal([]);
      expect(changesOf('response', mutual(10), mutual(12))).to.deep.equal([{ rule: 'constraint_loosened', path: '/id', breakingFor: ['consumers'] }]);
    });
  });

  describe('shared and circular definitions', () => {
    it('a definition used in two places is reported once, at the shortest path', () => {
      const order = (max: number) => ({
        $defs: { Address: object({ zip: string({ maxLength: max }) }) },
        ...object({ billing: { $ref: '#/$defs/Address' }, delivery: object({ site: { $ref: '#/$defs/Address' } }) }),
      });
      expect(changesOf('request', order(10), order(5))).to.deep.equal([{ rule: 'constraint_tightened', path: '/billing/zip', breakingFor: ['consumers'] }]);
    });

    it('terminates on an already dereferenced schema whose objects refer to themselves', () => {
      const tree = (max: number) => {
        const node: Record<string, unknown> = object({ name: string({ maxLength: max }) });
        (node.properties as Record<string, unknown>).children = { type: 'array', items: node };
        return node;
      };
      expect(changesOf('message', tree(5), tree(5))).to.deep.equal([]);
      expect(changesOf('message', tree(5), tree(3))).to.deep.equal([{ rule: 'constraint_tightened', path: '/name', breakingFor: ['providers'] }]);
    });
  });

  describe('keywords that cannot be classified precisely', () => {
    it('a changed not is schema_changed and breaks both sides', () => {
      const diff = diffSchema('response', string({ not: { const: 'A' } }), string({ not: { const: 'B' } }));
      expect(outline(diff.changes)).to.deep.equal([{ rule: 'schema_changed', path: '', breakingFor: BREAKS_BOTH }]);
      expect(diff.changes[0]!.description).to.match(/cannot be classified precisely/);
    });

    it('a changed if/then/else is schema_changed and breaks both sides', () => {
      const conditional = (then: unknown) => object({ kind: string() }, { if: object({ kind: { const: 'serialised' } }), then });
      expect(changesOf('request', conditional({ required: ['serial'] }), conditional({ required: ['serial', 'lot'] }))).to.deep.equal([
        { rule: 'schema_changed', path: '', breakingFor: BREAKS_BOTH },
      ]);
    });

    it('unknown keywords are ignored, as validators ignore them', () => {
      expect(changesOf('response', { components: { A: string() }, ...string() }, { components: { A: { type: 'integer' } }, ...string() })).to.deep.equal([]);
    });

    it('an unchanged not, even behind a $ref, is not reported', () => {
      const withNot = { $defs: { Forbidden: { const: 'X' } }, ...string({ not: { $ref: '#/$defs/Forbidden' } }) };
      expect(changesOf('response', withNot, structuredClone(withNot))).to.deep.equal([]);
    });

    it('a not whose $ref target changed is reported', () => {
      const withNot = (value: string) => ({ $defs: { Forbidden: { const: value } }, ...string({ not: { $ref: '#/$defs/Forbidden' } }) });
      expect(changesOf('response', withNot('X'), withNot('Y'))).to.deep.equal([{ rule: 'schema_changed', path: '', breakingFor: BREAKS_BOTH }]);
    });
  });

  describe('summary', () => {
    it('counts breaking and non-breaking changes and sets classification from breakingFor', () => {
      const diff = diffSchema('response', object({ a: string(), b: string() }, { title: 'T1' }), object({ a: string(), c: string() }, { title: 'T2' }));
      expect(diff.summary).to.deep.equal({ breaking: 1, nonBreaking: 2 });
      expect(diff.breaking).to.equal(true);
      for (const change of diff.changes) expect(change.classification).to.equal(change.breakingFor.length > 0 ? 'breaking' : 'non-breaking');
    });
  });

  describe('describeDiff', () => {
    it('names each target, path and classification, breaking first, with the version labels', () => {
      const before = shapeOf(buildTarget('request', object({ lot: string() })), buildTarget('response', object({ id: string() })));
      const after = shapeOf(buildTarget('request', object({ lot: string(), note: string() }, { required: ['lot'] })), buildTarget('response', object({ id: string() })), buildTarget('message', true));
      const text = describeDiff(diffContracts(before, after), { before: 'v1.0', after: 'v1.1' });
      const lines = text.split('\n');
      expect(lines[0]).to.equal('Contract changes from v1.0 to v1.1: 1 breaking, 2 non-breaking.');
      const requestHeader = lines.indexOf('POST /capture request');
      expect(requestHeader).to.be.greaterThan(0);
      expect(lines[requestHeader + 1]).to.match(/^ {2}BREAKING for consumers · \/lot · required_added: Property 'lot' is now required/);
      expect(lines[requestHeader + 2]).to.match(/^ {2}non-breaking · \/note · property_added: /);
      const messageHeader = lines.indexOf('message ShippingEvent');
      expect(messageHeader).to.be.greaterThan(requestHeader);
      expect(lines[messageHeader + 1]).to.match(/non-breaking · \(root\) · target_added/);
      expect(text).not.to.contain('POST /capture → 202');
    });

    it('puts targets with breaking changes before targets without', () => {
      const before = shapeOf(buildTarget('response', object({ a: string() }, { title: 'A' }), 'first'), buildTarget('response', object({ a: string() }), 'second'));
      const after = shapeOf(buildTarget('response', object({ a: string() }, { title: 'B' }), 'first'), buildTarget('response', object({}), 'second'));
      const lines = describeDiff(diffContracts(before, after)).split('\n');
      expect(lines[0]).to.equal('Contract changes: 1 breaking, 1 non-breaking.');
      expect(lines.indexOf('second')).to.be.lessThan(lines.indexOf('first'));
    });

    it('says so when nothing changed', () => {
      expect(describeDiff(diffContracts(shapeOf(), shapeOf()), { before: 'v1', after: 'v2' })).to.equal('No contract changes from v1 to v2.');
    });
  });
});
