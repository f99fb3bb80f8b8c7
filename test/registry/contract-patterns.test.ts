// A contract's patterns run in linear time: a catastrophic pattern cannot stall the server; a
// pattern the linear-time engine cannot run is a warning with its JSON pointer, not a refused
// contract, and every run that needed it reports it unchecked — never passed silently.
import { expect } from 'chai';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import request from 'supertest';
import { toRe2Syntax } from '../../src/registry/contract-patterns.js';
import { isLinearForBacktracking } from '../../src/registry/pattern-linearity.js';
import { compileSchema } from '../../src/registry/schema-compiler.js';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { listenOnLoopback, SALES_ORDERS_CONTRACT } from '../support/runner-fixtures.js';
import type { Server } from 'node:http';

const CATASTROPHIC = '^(a+)+$';
const LOOKAHEAD = '^(?=[A-Z])[A-Z0-9]{3}$';
const PCRE_SUBROUTINE = '^(?<d>[0-9])\\g<d>$';

/** A json-schema contract whose `code` has `pattern` and whose `tags` have one unsupported patternProperties name. */
function contractWith(codePattern: string) {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required: ['code'],
    properties: {
      code: { type: 'string', pattern: codePattern },
      lot: { type: 'string', pattern: '^L\\d{4}[A-Z]$' },
    },
  };
}

describe('contract patterns on the linear-time engine', () => {
  it(`answers ${CATASTROPHIC} against 'aaaa…b' at once (JavaScript's engine would take longer than the universe's age)`, function () {
    this.timeout(5000);
    const { validate, warnings } = compileSchema(contractWith(CATASTROPHIC), 'draft-07', false);
    expect(warnings).to.deep.equal([]);
    for (const length of [40, 1000, 100_000]) {
      const started = performance.now();
      expect(validate({ code: `${'a'.repeat(length)}b` })).to.equal(false);
      expect(performance.now() - started, `${length} characters`).to.be.below(1000);
    }
    expect(validate({ code: 'aaaa' })).to.equal(true);
  });

  it('gives a pattern the same meaning on RE2 as in JavaScript (\\u escapes, \\s, ".", [^], surrogate pairs)', () => {
    const patterns = ['^[\\s\\S]{2}$', '^[^\\s,]+$', '^[\\w.-]+$', '^\\u00e9+$', '^\\s$', '^a.b$', '^[^]$', '^[\\s,]+$', '^\\uD83D\\uDE00$', '^\\u{1F600}$', '^[\\u0041-\\u005A]{2}$', '^\\p{Script=Greek}+$', '^x\\0?$', '^(?:ab|cd)*$'];
    const alphabet = fc.constantFrom('a', 'b', 'c', 'd', 'x', 'é', ' ', '\u00a0', '\u2028', '\r', '\n', '\t', ',', 'A', 'Z', 'α', '😀', '\u0000');
    for (const pattern of patterns) {
      const native = new RegExp(pattern, 'u');
      const re2 = RE2JS.compile(toRe2Syntax(pattern));
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 6 }).map((chars) => chars.join('')), (value) => re2.test(value) === native.test(value)),
        { numRuns: 300, examples: [['é'], [' '], ['\u00a0'], ['a\rb'], ['a\nb'], ['a€b'], ['😀'], ['AZ'], ['αα']] as never },
      );
    }
  });

  it('runs natively only the patterns backtracking cannot blow up, and those fast on adversarial input', () => {
    for (const linear of ['^\\d{14}$', '^urn:epc:id:sgtin:\\d{6,12}\\.\\d{1,7}\\.[0-9A-Za-z]{1,20}$', '^[+-]\\d{2}:\\d{2}$', '^[^,]+,\\d*$']) {
      expect(isLinearForBacktracking(linear), linear).to.equal(true);
      const started = performance.now();
      for (const attack of ['1'.repeat(50_000), `urn:epc:id:sgtin:${'1'.repeat(50_000)}`, `${'x'.repeat(50_000)},`, `+${'1'.repeat(50_000)}`]) new RegExp(linear, 'u').test(attack);
      expect(performance.now() - started, linear).to.be.below(200);
    }
    for (const risky of [CATASTROPHIC, '^\\d+\\d$', '^a*a*b$', '^.*x$', '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$', 'a+b', '^(ab)+$', '^a|b$', '^\\w+?x$']) {
      expect(isLinearForBacktracking(risky), risky).to.equal(false);
    }
  });
});

describeEachDatabase('contract patterns the linear-time engine cannot run', (dialect) => {
  let wb: TestWorkbench;
  let it_: string;
  let qa: string;
  const api = (method: 'get' | 'post', url: string, token = it_) => request(wb.app)[method](url).set('Authorization', `Bearer ${token}`);

  let server: Server;
  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    const ctx = systemContext('test');
    for (const system of [ERP, WMS]) await wb.services.systems.create(ctx, system);
    // The demo sales-order contract, its plant pattern written with a lookahead; served by the WMS simulator.
    const lookaheadPlant = SALES_ORDERS_CONTRACT.replace("plant: { type: string, pattern: '^[A-Z0-9]{4}$' }", () => "plant: { type: string, pattern: '^(?=[A-Z])[A-Z0-9]{4}$' }");
    expect(lookaheadPlant).to.not.equal(SALES_ORDERS_CONTRACT);
    await wb.services.interfaces.create(ctx, { ...anInterface('IF-PAT-003', { environments: { test: `${base}/sim/wms` } }), status: 'active' } as never);
    await wb.services.contracts.register(ctx, 'IF-PAT-003', { format: 'openapi', document: lookaheadPlant });
    for (const key of ['IF-PAT-001', 'IF-PAT-002']) await wb.services.interfaces.create(ctx, { ...anInterface(key), status: 'active' } as never);
    // The run's contract: one unchecked `pattern`, consulted only when a code is a string.
    await wb.services.contracts.register(ctx, 'IF-PAT-002', { format: 'json-schema', document: contractWith(LOOKAHEAD) });
    it_ = await wb.login('it');
    qa = await wb.login('qa');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('does not pass a generated case whose request body needed the unchecked pattern', async function () {
    this.timeout(60_000);
    const assessed = await api('post', '/api/v1/interfaces/IF-PAT-003/risk-assessments', qa).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } });
    expect(assessed.status, JSON.stringify(assessed.body)).to.equal(201);
    const saved = await api('post', '/api/v1/interfaces/IF-PAT-003/scenarios').send({ key: 'generated-orders', name: 'Any order the contract allows is accepted', category: 'generated', steps: [{ name: 'Generated orders', operation: 'POST /orders', generate: { count: 2 }, expect: { status: 201 } }] });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    const started = await api('post', '/api/v1/runs').send({ interface: 'IF-PAT-003' });
    await wb.services.runs.idle();
    const [step] = (await api('get', `/api/v1/runs/${started.body.id}`)).body.steps;
    expect(step.status, JSON.stringify(step)).to.equal('error');
    expect(step.message).to.include('the generated request was not fully checked').and.include('plant/pattern');
  });

  it('registers a contract with a lookahead, a PCRE subroutine and a backreference, each a warning with its JSON pointer', async () => {
    const document = {
      ...contractWith(LOOKAHEAD),
      properties: { ...contractWith(LOOKAHEAD).properties, twin: { $ref: '#/definitions/twin' }, digits: { $ref: '#/definitions/digits' } },
      patternProperties: { '^x-(?!internal)': { type: 'string' } },
      definitions: { twin: { type: 'string', pattern: '^(a)\\1$' }, digits: { type: 'string', pattern: PCRE_SUBROUTINE } },
    };
    const response = await api('post', '/api/v1/interfaces/IF-PAT-001/contracts').send({ format: 'json-schema', document });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    const contract = (await api('get', '/api/v1/interfaces/IF-PAT-001/contracts/1')).body;
    const patternWarnings = (contract.warnings as string[]).filter((w) => w.includes('is not checked'));
    expect(patternWarnings).to.have.length(4);
    for (const pointer of ['/properties/code/pattern', '/patternProperties/^x-(?!internal)', '/definitions/twin/pattern', '/definitions/digits/pattern']) {
      expect(patternWarnings.some((w) => w.includes(` at ${pointer} `)), pointer).to.equal(true);
    }
    expect(patternWarnings.find((w) => w.includes('/properties/code/pattern'))).to.match(/^schema: pattern .* lookahead|^schema: pattern .*\(\?=/);
    const [event] = (await auditEvents(wb.services, { action: 'contract.registered', entityId: 'IF-PAT-001' })).slice(-1);
    expect(event!.after).to.include({ version: 1, warnings: contract.warnings.length });
  });

  it('reports the pattern unchecked in a run — an error when nothing else failed, a failure with the note when something did — never passed', async () => {
    const assessed = await api('post', '/api/v1/interfaces/IF-PAT-002/risk-assessments', qa).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } });
    expect(assessed.status, JSON.stringify(assessed.body)).to.equal(201);
    const saved = await api('post', '/api/v1/interfaces/IF-PAT-002/scenarios').send({
      key: 'codes',
      name: 'Codes match the contract',
      category: 'positive',
      steps: [
        { name: 'Valid codes', messages: { target: 'schema', source: { inline: [{ code: 'A12', lot: 'L2406A' }, { code: 'B34' }] } } },
        { name: 'A bad lot beside the unchecked code', messages: { target: 'schema', source: { inline: [{ code: 'A12', lot: 'bad lot' }] } } },
        { name: 'No code pattern consulted', messages: { target: 'schema', source: { inline: [{ code: 7 }] }, expect: { invalid: 1 } } },
      ],
    });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    const started = await api('post', '/api/v1/runs').send({ interface: 'IF-PAT-002' });
    expect(started.status, JSON.stringify(started.body)).to.be.oneOf([201, 202]);
    await wb.services.runs.idle();
    const run = (await api('get', `/api/v1/runs/${started.body.id}`)).body;
    const [valid, badLot, notConsulted] = run.steps;
    expect(valid.status, JSON.stringify(valid)).to.equal('error');
    expect(valid.message).to.include('could not all be checked').and.include('/properties/code/pattern').and.include(LOOKAHEAD);
    expect(valid.actual).to.include({ uncheckedMessages: 2 });
    expect(valid.actual.uncheckedPatterns[0]).to.include({ pointer: '/properties/code/pattern', pattern: LOOKAHEAD });
    expect(badLot.status, JSON.stringify(badLot)).to.equal('failed');
    expect(badLot.message).to.include('do not match').and.include('not fully checked').and.include('/properties/code/pattern');
    // A value the unchecked pattern never applied to (a number) is judged as usual.
    expect(notConsulted.status, JSON.stringify(notConsulted)).to.equal('passed');
    expect(run.status).to.not.equal('passed');
  });
});
