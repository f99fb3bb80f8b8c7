// Risk models as data: the shipped models score as their tables say, a team's own model loads
// without code, and a bad model file stops the start naming the file and the JSON pointer.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_SIGNATURE_MEANINGS } from '../../src/config.js';
import { StartupError, ValidationError } from '../../src/platform/errors.js';
import { RiskModelRegistry } from '../../src/risk/risk-model-registry.js';
import { evaluate, type RiskModel } from '../../src/risk/risk-model.js';

const SHIPPED = loadConfig({}).riskModelsDir;
const shipped = RiskModelRegistry.load(SHIPPED, DEFAULT_SIGNATURE_MEANINGS);
const modelFile = (id: string) => JSON.parse(fs.readFileSync(path.join(SHIPPED, `${id}.json`), 'utf8')) as RiskModel & Record<string, unknown>;

function folderWith(models: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-models-'));
  for (const [name, content] of Object.entries(models)) fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

function startupError(models: Record<string, unknown>): string {
  try {
    RiskModelRegistry.load(folderWith(models), DEFAULT_SIGNATURE_MEANINGS);
  } catch (error) {
    expect(error).to.be.instanceOf(StartupError);
    return (error as Error).message;
  }
  throw new Error('the model folder loaded although it should not');
}

describe('risk models', () => {
  it('ships fda-csa and gamp5, each with a digest of its canonical JSON', () => {
    expect(shipped.list().map((m) => m.model.id)).to.deep.equal(['fda-csa', 'gamp5']);
    for (const { digest } of shipped.list()) expect(digest).to.match(/^[0-9a-f]{64}$/);
  });

  describe('fda-csa (CSA steps: intended use, process risk, assurance, record)', () => {
    const csa = shipped.get('fda-csa').model;
    const score = (intendedUse: string, processRisk: string, dataIntegrityImpact: string) => evaluate(csa, { intendedUse, processRisk, dataIntegrityImpact });

    it('rates high process risk as high: full scripted testing, reviewed by it and approved by qa, yearly review', () => {
      const result = score('direct-gxp', 'high', 'transports-gxp-records');
      expect(result.level).to.equal('high');
      expect(result.assurance).to.deep.include({ testDepth: 'full', reassessmentMonths: 12 });
      expect(result.assurance.requiredSignatures).to.deep.equal([{ meaning: 'reviewed', roles: ['it'] }, { meaning: 'approved', roles: ['qa'] }]);
      expect(result.rationale[0]).to.match(/^processRisk = high/);
    });

    it('rates a non-GxP interface low whatever else is answered, and GxP records without high risk medium', () => {
      expect(score('non-gxp', 'high', 'creates-or-modifies-gxp-records').level).to.equal('low');
      expect(score('direct-gxp', 'not-high', 'creates-or-modifies-gxp-records').level).to.equal('medium');
      expect(score('supporting-gxp', 'not-high', 'transports-gxp-records').level).to.equal('medium');
      const fallback = score('supporting-gxp', 'not-high', 'no-gxp-records');
      expect(fallback.level).to.equal('low');
      expect(fallback.rationale[0]).to.match(/^no rule matched/);
    });
  });

  describe('gamp5 (severity × probability → risk class; × detectability → priority)', () => {
    const gamp = shipped.get('gamp5').model;
    const riskClass: Record<string, Record<string, string>> = { high: { high: '1', medium: '1', low: '2' }, medium: { high: '1', medium: '2', low: '3' }, low: { high: '2', medium: '3', low: '3' } };
    const priority: Record<string, Record<string, string>> = { '1': { low: 'high', medium: 'high', high: 'medium' }, '2': { low: 'high', medium: 'medium', high: 'low' }, '3': { low: 'medium', medium: 'low', high: 'low' } };
    for (const severity of ['high', 'medium', 'low']) {
      for (const probability of ['high', 'medium', 'low']) {
        for (const detectability of ['low', 'medium', 'high']) {
          const expectedClass = riskClass[severity]![probability]!;
          const expected = priority[expectedClass]![detectability]!;
          it(`severity ${severity}, probability ${probability}, detectability ${detectability} → class ${expectedClass}, priority ${expected}`, () => {
            const result = evaluate(gamp, { severity, probability, detectability });
            expect(result.computed).to.deep.equal({ riskClass: expectedClass, priority: expected });
            expect(result.level).to.equal(expected);
            expect(result.rationale).to.have.length(2);
          });
        }
      }
    }
  });

  it('refuses answers outside the allowed options, missing answers and unknown factors, naming each', () => {
    let error: ValidationError | null = null;
    try {
      evaluate(shipped.get('gamp5').model, { severity: 'catastrophic', probability: 'low', colour: 'red' });
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).to.be.instanceOf(ValidationError);
    expect(error!.details.map((d) => `${d.field} ${d.rule}`)).to.deep.equal(['body.answers.severity enum', 'body.answers.detectability required', 'body.answers.colour additionalProperties']);
  });

  it("loads a team's own model dropped in the folder, with a sum rule, without code changes", () => {
    const own = {
      id: 'acme-sum',
      version: '2.1.0',
      title: 'ACME points',
      factors: [
        { id: 'volume', question: 'Messages per day?', answers: [{ value: 'few', label: '< 100', score: 1 }, { value: 'many', label: '≥ 100', score: 4 }] },
        { id: 'patient', question: 'Patient impact?', answers: [{ value: 'no', label: 'No', score: 0 }, { value: 'yes', label: 'Yes', score: 5 }] },
      ],
      scoring: { type: 'sum', thresholds: [{ min: 6, result: 'high' }, { min: 0, result: 'low' }] },
      levels: {
        high: { label: 'High', testDepth: 'full', requiredSignatures: [{ meaning: 'approved', roles: ['qa'] }], reassessmentMonths: 6 },
        low: { label: 'Low', testDepth: 'smoke', requiredSignatures: [], reassessmentMonths: 24 },
      },
    };
    const registry = RiskModelRegistry.load(folderWith({ 'acme.json': own }), DEFAULT_SIGNATURE_MEANINGS);
    const result = evaluate(registry.get('acme-sum').model, { volume: 'many', patient: 'yes' });
    expect(result).to.deep.include({ level: 'high', computed: { total: 9 } });
    expect(result.rationale.at(-1)).to.equal('total 9 ≥ 6 → high');
    expect(evaluate(registry.get('acme-sum').model, { volume: 'many', patient: 'no' }).level).to.equal('low');
  });

  describe('a bad model file stops the start, naming the file and the JSON pointer', () => {
    const cases: Array<[string, (m: Record<string, any>) => unknown, RegExp]> = [
      ['a typo in a property name', (m) => ({ ...m, factros: m.factors }), /gamp5\.json: \/: must NOT have additional properties 'factros'/],
      ['a rule naming a factor that does not exist', (m) => ((m.scoring.rules[0].when = { intendedUze: ['non-gxp'] }), m), /fda-csa\.json: \/scoring\/rules\/0\/when\/intendedUze: 'intendedUze' is not a factor/],
      ['a rule naming an answer that does not exist', (m) => ((m.scoring.rules[1].when.processRisk = ['hihg']), m), /\/scoring\/rules\/1\/when\/processRisk\/0: 'hihg' is not an answer of processRisk/],
      ['a result that is not a level', (m) => ((m.scoring.default.result = 'lowest'), m), /\/scoring\/default\/result: 'lowest' is not one of the levels/],
      ['a matrix with a missing cell', (m) => (delete m.scoring.steps[0].table.low.medium, m), /gamp5\.json: \/scoring\/steps\/0\/table\/low\/medium: missing/],
      ['a matrix whose last step gives no level', (m) => ((m.scoring.steps[1].table['3'].high = 'negligible'), m), /\/scoring\/steps\/1\/table\/3\/high: 'negligible' is not one of the levels/],
      ['an unknown test depth', (m) => ((m.levels.low.testDepth = 'thorough'), m), /\/levels\/low\/testDepth: must be equal to one of the allowed values/],
      ['a required signature with a meaning that is not configured', (m) => ((m.levels.high.requiredSignatures[0].meaning = 'blessed'), m), /\/levels\/high\/requiredSignatures\/0\/meaning: 'blessed' is not a configured signature meaning/],
    ];
    for (const [name, mutate, message] of cases) {
      it(name, () => {
        const id = /fda-csa|processRisk|default/.test(message.source) ? 'fda-csa' : 'gamp5';
        expect(startupError({ [`${id}.json`]: mutate(structuredClone(modelFile(id))) })).to.match(message);
      });
    }

    it('text that is not JSON, and two files with one id', () => {
      expect(startupError({ 'broken.json': '{"id": "x",' })).to.match(/broken\.json: \/: not valid JSON/);
      expect(startupError({ 'a.json': modelFile('gamp5'), 'b.json': modelFile('gamp5') })).to.match(/b\.json: id 'gamp5' is also used by .*a\.json/);
    });
  });
});
