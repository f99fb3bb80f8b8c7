// Loads risk-models/*.json at start-up. A model that breaks the meta-schema or refers to something
// it does not define stops the start, naming the file and the JSON pointer of the problem — a bad
// risk method must never score a regulated interface silently.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { digestOf } from '../platform/canonical-json.js';
import { NotFoundError, StartupError } from '../platform/errors.js';
import { riskModelSchema } from './risk-model-schema.js';
import type { RiskModel } from './risk-model.js';

export interface LoadedRiskModel {
  model: RiskModel;
  /** SHA-256 of the model's canonical JSON: assessments record it. */
  digest: string;
  file: string;
}

const validateModel = new Ajv({ allErrors: false, strict: true }).compile(riskModelSchema);

export class RiskModelRegistry {
  private constructor(private readonly models: Map<string, LoadedRiskModel>) {}

  static load(dir: string, meanings: readonly string[]): RiskModelRegistry {
    if (!fs.existsSync(dir)) throw new StartupError(`risk model folder ${dir} does not exist (GXPW_RISK_MODELS_DIR)`);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const models = new Map<string, LoadedRiskModel>();
    for (const name of files) {
      const file = path.join(dir, name);
      const model = parseModel(file, meanings);
      const clash = models.get(model.id);
      if (clash) throw new StartupError(`risk model ${file}: id '${model.id}' is also used by ${clash.file}`);
      models.set(model.id, { model, digest: digestOf(model), file });
    }
    if (!models.size) throw new StartupError(`no risk models (*.json) in ${dir}`);
    return new RiskModelRegistry(models);
  }

  list(): LoadedRiskModel[] {
    return [...this.models.values()];
  }

  find(id: string): LoadedRiskModel | null {
    return this.models.get(id) ?? null;
  }

  get(id: string): LoadedRiskModel {
    const loaded = this.find(id);
    if (!loaded) throw new NotFoundError(`No risk model '${id}'; available: ${[...this.models.keys()].join(', ')}.`, 'risk_model_not_found');
    return loaded;
  }
}

function parseModel(file: string, meanings: readonly string[]): RiskModel {
  const fail = (pointer: string, problem: string) => new StartupError(`risk model ${file}: ${pointer || '/'}: ${problem}`);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw fail('', `not valid JSON (${(error as Error).message})`);
  }
  if (!validateModel(data)) {
    const error = validateModel.errors![0]!;
    const extra = error.keyword === 'additionalProperties' ? ` '${(error.params as { additionalProperty: string }).additionalProperty}'` : '';
    throw fail(error.instancePath, `${error.message}${extra}`);
  }
  const model = data as RiskModel;
  checkReferences(model, meanings, fail);
  return model;
}

/** What the meta-schema cannot say: every name a model uses is one it defines. */
function checkReferences(model: RiskModel, meanings: readonly string[], fail: (pointer: string, problem: string) => StartupError): void {
  const values = new Map<string, string[]>();
  model.factors.forEach((factor, i) => {
    if (values.has(factor.id)) throw fail(`/factors/${i}/id`, `factor '${factor.id}' is defined twice`);
    const answers = factor.answers.map((a) => a.value);
    if (new Set(answers).size !== answers.length) throw fail(`/factors/${i}/answers`, 'answer values must be unique');
    values.set(factor.id, answers);
  });
  const levels = Object.keys(model.levels);
  const level = (result: string, pointer: string) => {
    if (!levels.includes(result)) throw fail(pointer, `'${result}' is not one of the levels (${levels.join(', ')})`);
  };
  const { scoring } = model;
  if (scoring.type === 'decision-table') {
    scoring.rules.forEach((rule, i) => {
      for (const [factor, allowed] of Object.entries(rule.when)) {
        const known = values.get(factor);
        if (!known) throw fail(`/scoring/rules/${i}/when/${factor}`, `'${factor}' is not a factor`);
        allowed.forEach((value, j) => {
          if (!known.includes(value)) throw fail(`/scoring/rules/${i}/when/${factor}/${j}`, `'${value}' is not an answer of ${factor}`);
        });
      }
      level(rule.result, `/scoring/rules/${i}/result`);
    });
    level(scoring.default.result, '/scoring/default/result');
  } else if (scoring.type === 'sum') {
    scoring.thresholds.forEach((t, i) => {
      level(t.result, `/scoring/thresholds/${i}/result`);
      // Checked in order, first match wins: ascending thresholds would give every total the first result.
      if (i > 0 && t.min >= scoring.thresholds[i - 1]!.min) throw fail(`/scoring/thresholds/${i}/min`, `thresholds must go from the highest min to the lowest (${t.min} follows ${scoring.thresholds[i - 1]!.min})`);
    });
    const lowestTotal = model.factors.reduce((sum, f) => sum + Math.min(...f.answers.map((a) => a.score)), 0);
    const last = scoring.thresholds.length - 1;
    if (scoring.thresholds[last]!.min > lowestTotal) throw fail(`/scoring/thresholds/${last}/min`, `the last threshold must catch every total; the lowest possible total is ${lowestTotal}`);
  } else {
    scoring.steps.forEach((step, i) => {
      if (values.has(step.id)) throw fail(`/scoring/steps/${i}/id`, `'${step.id}' is already a factor or an earlier step`);
      for (const axis of ['rows', 'columns'] as const) {
        if (!values.has(step[axis])) throw fail(`/scoring/steps/${i}/${axis}`, `'${step[axis]}' is not a factor or an earlier step`);
      }
      // Every combination must be in the table, or some answers could not be scored.
      for (const row of values.get(step.rows)!) {
        for (const column of values.get(step.columns)!) {
          if (step.table[row]?.[column] === undefined) throw fail(`/scoring/steps/${i}/table/${row}/${column}`, `missing: ${step.rows} '${row}' × ${step.columns} '${column}'`);
        }
      }
      const outputs = [...new Set(Object.values(step.table).flatMap((columns) => Object.values(columns)))];
      if (i === scoring.steps.length - 1) {
        for (const [row, columns] of Object.entries(step.table)) for (const [column, result] of Object.entries(columns)) level(result, `/scoring/steps/${i}/table/${row}/${column}`);
      }
      values.set(step.id, outputs);
    });
  }
  for (const [name, definition] of Object.entries(model.levels)) {
    definition.requiredSignatures.forEach((s, i) => {
      if (!meanings.includes(s.meaning)) throw fail(`/levels/${name}/requiredSignatures/${i}/meaning`, `'${s.meaning}' is not a configured signature meaning (${meanings.join(', ')})`);
    });
  }
}
