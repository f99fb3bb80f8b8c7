// The message-set validator: files cut into ranges at line ends, validated on worker threads, and
// the results put back in message order — the same answers a single pass over the file would give.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileSchema, type SchemaSpec } from '../../src/registry/schema-compiler.js';
import { applyDomainRules } from '../../src/scenarios/domain-rules.js';
import { MessageSetReadError, MessageSetValidator } from '../../src/scenarios/message-set-validator.js';

const spec: SchemaSpec = {
  schema: {
    type: 'object',
    required: ['id', 'epc'],
    properties: { id: { type: 'integer' }, epc: { type: 'string', pattern: '^urn:epc:id:sgtin:' }, note: { type: 'string' } },
  },
  dialect: 'draft-07',
  apiAnnotations: false,
};

describe('message-set validator (worker threads)', function () {
  let dir: string;
  // Ranges of 1 KB: even small files are spread over every thread.
  const validator = new MessageSetValidator({ threads: 3, minRangeBytes: 1024 });
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const validate = (file: string, options: Partial<{ rules: ['event-order']; maxFailures: number; specKey: string }> = {}) =>
    validator.validate({ file, spec, specKey: options.specKey ?? 'test#schema', rules: options.rules ?? [], maxFailures: options.maxFailures ?? 100 });

  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-message-sets-'))));
  after(async () => {
    await validator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same counts and failure indexes as one pass over the file, across many ranges', async () => {
    // 2,000 messages, every 97th invalid (no epc), with non-ASCII text and blank lines here and there.
    const messages = Array.from({ length: 2000 }, (_, i) => (i % 97 === 0 ? { id: i } : { id: i, epc: `urn:epc:id:sgtin:0312345.067890.${i}`, note: i % 5 ? 'Zürich → Genève' : '' }));
    const lines = messages.map((m, i) => JSON.stringify(m) + (i % 250 === 0 ? '\n   ' : ''));
    const file = write('set.ndjson', lines.join('\n') + '\n');
    expect(fs.statSync(file).size).to.be.greaterThan(3 * 1024);

    const { validate: single } = compileSchema(spec.schema, spec.dialect, spec.apiAnnotations);
    const expectedInvalid = messages.flatMap((m, i) => (single(m) ? [] : [i]));
    const result = await validate(file);
    expect(result.messages).to.equal(2000);
    expect(result.invalid).to.equal(expectedInvalid.length);
    expect(result.failures.map((f) => f.index)).to.deep.equal(expectedInvalid);
    expect(result.failures[0]!.errors[0]).to.include({ keyword: 'required' });
  });

  it('keeps only the first failures, in message order', async () => {
    const file = write('all-bad.ndjson', Array.from({ length: 500 }, (_, i) => JSON.stringify({ id: i })).join('\n'));
    const result = await validate(file, { maxFailures: 7 });
    expect(result.invalid).to.equal(500);
    expect(result.failures.map((f) => f.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
  });

  it('names the line of the file that is not JSON, counting from the start of the file', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ id: i, epc: 'urn:epc:id:sgtin:1.2.3' }));
    lines[311] = '{"id": 311, "epc": ';
    lines.splice(10, 0, '');
    const file = write('broken.ndjson', lines.join('\r\n'));
    try {
      await validate(file);
      expect.fail('a broken line must be refused');
    } catch (error) {
      expect(error).to.be.instanceOf(MessageSetReadError);
      expect((error as Error).message).to.equal('line 313 of the fixture is not JSON');
    }
  });

  it('reads a JSON array and a file with a byte-order mark, and refuses a broken JSON array', async () => {
    const array = write('set.json', '\uFEFF  ' + JSON.stringify([{ id: 1, epc: 'urn:epc:id:sgtin:1.2.3' }, { id: 'two' }]));
    expect(await validate(array)).to.include({ messages: 2, invalid: 1 });
    const ndjson = write('bom.ndjson', '\uFEFF' + JSON.stringify({ id: 1, epc: 'urn:epc:id:sgtin:1.2.3' }) + '\n');
    expect(await validate(ndjson)).to.include({ messages: 1, invalid: 0 });
    const notArray = write('object.json', '[1, 2');
    await validate(notArray).then(
      () => expect.fail('refused'),
      (error: Error) => expect(error.message).to.equal('the fixture is not valid JSON'),
    );
    expect(await validate(write('empty.ndjson', ''))).to.deep.include({ messages: 0, invalid: 0, failures: [] });
  });

  it('runs the domain rules over the whole set, as a single pass would', async () => {
    const event = (bizStep: string, minute: number) => ({ id: minute, epc: 'urn:epc:id:sgtin:0312345.067890.1', eventTime: `2026-03-01T10:${String(minute).padStart(2, '0')}:00Z`, epcList: ['urn:epc:id:sgtin:0312345.067890.1'], bizStep: `urn:epcglobal:cbv:bizstep:${bizStep}`, type: 'ObjectEvent', action: bizStep === 'commissioning' ? 'ADD' : 'OBSERVE' });
    const messages = [event('shipping', 1), event('commissioning', 2)];
    const file = write('order.ndjson', messages.map((m) => JSON.stringify(m)).join('\n'));
    const result = await validate(file, { rules: ['event-order'] });
    expect(result.rules).to.deep.equal(applyDomainRules(messages, ['event-order']));
    expect(result.rules[0]!.violationCount).to.be.greaterThan(0);
  });

  it('compiles a new validator when the schema behind a key changes (keys name a contract digest and target)', async () => {
    const file = write('ids.ndjson', JSON.stringify({ id: 1, epc: 'urn:epc:id:sgtin:1.2.3' }));
    expect((await validate(file, { specKey: 'contract-a#schema' })).invalid).to.equal(0);
    const strict = new MessageSetValidator({ threads: 1 });
    try {
      const other = await strict.validate({ file, spec: { ...spec, schema: { type: 'object', required: ['missing'] } }, specKey: 'contract-b#schema', rules: [], maxFailures: 10 });
      expect(other.invalid).to.equal(1);
    } finally {
      await strict.close();
    }
  });

  it('fails a validation still waiting when it is closed, and refuses new ones', async () => {
    const closing = new MessageSetValidator({ threads: 1 });
    await closing.close();
    const file = write('one.ndjson', '{}');
    await closing.validate({ file, spec, specKey: 'k', rules: [], maxFailures: 1 }).then(
      () => expect.fail('a closed validator validates nothing'),
      (error: Error) => expect(error.message).to.match(/closed/),
    );
  });
});
