// What a contract's schema says is at a pointer of its instances: refused only where the schema rules
// the pointer out, and never stuck (or blown up) by a recursive schema.
import { expect } from 'chai';
import { shapeAtPointer } from '../../src/registry/schema-shape.js';

describe('shape at a pointer of a schema', () => {
  const document = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      items: { type: 'array', items: { $ref: '#/$defs/Item' } },
      pair: { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'object' }] },
      extra: { type: 'object', patternProperties: { '^x-': { type: 'object' } }, additionalProperties: false },
      free: {},
    },
    $defs: {
      Item: { oneOf: [{ type: 'object', properties: { children: { type: 'array' } } }, { allOf: [{ type: 'object' }, { properties: { code: { type: 'string' } } }] }] },
    },
  };

  it('finds objects and arrays through properties, items, prefixItems, patternProperties, $ref and compositions', () => {
    for (const pointer of ['', '/items', '/items/0', '/items/7/children', '/pair/1', '/extra/x-custom', '/free/anything/below']) expect(shapeAtPointer(document, pointer), pointer).to.equal('container');
  });

  it('tells single values from missing parts', () => {
    for (const pointer of ['/id', '/pair/0', '/items/0/code']) expect(shapeAtPointer(document, pointer), pointer).to.equal('scalar');
    for (const pointer of ['/nope', '/id/0', '/items/first', '/extra/other', 'no-slash']) expect(shapeAtPointer(document, pointer), pointer).to.equal('absent');
  });

  it('answers for a recursive, branching schema without exhausting the stack', () => {
    const recursive = { $defs: { A: { anyOf: [{ $ref: '#/$defs/A' }, { $ref: '#/$defs/A' }] } }, $ref: '#/$defs/A' };
    const started = Date.now();
    expect(shapeAtPointer(recursive, '/a/b/c')).to.equal('container');
    expect(Date.now() - started).to.be.below(2000);
  });
});
