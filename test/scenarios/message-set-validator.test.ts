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

  it('runs the domain rules over the whole set in one range, as a single pass would, even where ranges would split it', async () => {
    const event = (serial: number, bizStep: string, minute: number) => ({ id: minute, epc: `urn:epc:id:sgtin:0312345.067890.${serial}`, eventTime: `2026-03-01T${String(10 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00Z`, epcList: [`urn:epc:id:sgtin:0312345.067890.${serial}`], bizStep: `urn:epcglobal:cbv:bizstep:${bizStep}`, type: 'ObjectEvent', action: bizStep === 'commissioning' ? 'ADD' : 'OBSERVE' });
    // Serial 1 ships (first line) long before it is commissioned (last line): several KB apart.
    const messages = [event(1, 'shipping', 0), ...Array.from({ length: 60 }, (_, i) => event(100 + i, 'commissioning', i + 1)), event(1, 'commissioning', 200)];
    const file = write('order.ndjson', messages.map((m) => JSON.stringify(m)).join('\n'));
    expect(fs.statSync(file).size, 'larger than three ranges').to.be.greaterThan(3 * 1024);
    const result = await validate(file, { rules: ['event-order'] });
    expect(result.rules).to.deep.equal(applyDomainRules(messages, ['event-order']));
    expect(result.rules[0]!.violationCount).to.be.greaterThan(0);
  });

  it('refuses bytes that are not UTF-8, naming the line, instead of replacing them', async () => {
    const good = Buffer.from(JSON.stringify({ id: 1, epc: 'urn:epc:id:sgtin:1.2.3' }) + '\n');
    const bad = Buffer.concat([Buffer.from('{"id": 2, "epc": "urn:epc:id:sgtin:1.2.'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const file = write('latin.ndjson', Buffer.concat([good, good, bad, good]));
    await validate(file).then(
      () => expect.fail('refused'),
      (error: Error) => expect(error.message).to.equal('line 3 of the fixture is not UTF-8 text'),
    );
  });

  it('reuses the validator compiled for a key, and compiles anew for another key', async () => {
    const file = write('ids.ndjson', JSON.stringify({ id: 1, epc: 'urn:epc:id:sgtin:1.2.3' }));
    const strictSpec = { ...spec, schema: { type: 'object', required: ['missing'] } };
    const single = new MessageSetValidator({ threads: 1 });
    try {
      expect((await single.validate({ file, spec, specKey: 'contract@1#schema', rules: [], maxFailures: 10 })).invalid).to.equal(0);
      // Keys name an immutable contract version: the same key is the same schema, compiled once.
      expect((await single.validate({ file, spec: strictSpec, specKey: 'contract@1#schema', rules: [], maxFailures: 10 })).invalid).to.equal(0);
      expect((await single.validate({ file, spec: strictSpec, specKey: 'contract@2#schema', rules: [], maxFailures: 10 })).invalid).to.equal(1);
    } finally {
      await single.close();
    }
  });

  /** A set a thread needs well over a second for: a time limit of a few hundred ms stops it. */
  const largeSet = () => write('large.ndjson', Array.from({ length: 200_000 }, (_, i) => JSON.stringify({ id: i, epc: `urn:epc:id:sgtin:0312345.067890.${i}`, note: 'x'.repeat(20) })).join('\n'));

  it('answers a catastrophic pattern (^(a+)+$ against "aaaa…!") at once: contract patterns run in linear time', async function () {
    this.timeout(10_000);
    const redos = { ...spec, schema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } } };
    const file = write('redos.ndjson', [40, 5000, 100_000].map((n) => JSON.stringify({ code: `${'a'.repeat(n)}!` })).join('\n'));
    const quick = new MessageSetValidator({ threads: 1, taskTimeoutMs: 5000 });
    try {
      expect(await quick.validate({ file, spec: redos, specKey: 'redos', rules: [], maxFailures: 5 })).to.include({ messages: 3, invalid: 3 });
    } finally {
      await quick.close();
    }
  });

  it('stops a thread that takes too long and fails only that validation', async function () {
    this.timeout(30_000);
    // A million messages: far more than one thread reads and checks in 300 ms on any machine.
    const slow = new MessageSetValidator({ threads: 1, taskTimeoutMs: 300 });
    try {
      const file = write('huge.ndjson', Array.from({ length: 1_000_000 }, (_, i) => JSON.stringify({ id: i, epc: `urn:epc:id:sgtin:0312345.067890.${i}`, note: 'x'.repeat(20) })).join('\n'));
      const started = Date.now();
      await slow.validate({ file, spec, specKey: 'large', rules: [], maxFailures: 1 }).then(
        () => expect.fail('stopped'),
        (error: Error) => expect(error.message).to.equal('the validation took longer than 300 ms and was stopped'),
      );
      expect(Date.now() - started).to.be.lessThan(10_000);
      // The pool carries on with a fresh thread.
      const ok = write('fine.ndjson', JSON.stringify({ id: 1, epc: 'urn:epc:id:sgtin:1.2.3' }));
      expect((await slow.validate({ file: ok, spec, specKey: 'k', rules: [], maxFailures: 1 })).invalid).to.equal(0);
    } finally {
      await slow.close();
    }
  });

  it('fails a validation in progress when it is closed, and refuses new ones', async () => {
    const closing = new MessageSetValidator({ threads: 1 });
    const file = largeSet();
    const running = closing.validate({ file, spec, specKey: 'large', rules: [], maxFailures: 1 }).then(
      () => 'succeeded',
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await closing.close();
    expect(await running, 'a validation cut off by close does not succeed').to.match(/stopped/);
    await closing.validate({ file, spec, specKey: 'k', rules: [], maxFailures: 1 }).then(
      () => expect.fail('a closed validator validates nothing'),
      (error: Error) => expect(error.message).to.match(/closed/),
    );
  });
});
