// Risk models as data (risk-models/*.json) and the engine that scores answers with them. A model
// states its factors, a declarative scoring rule and what each result means — the assurance level
// (test depth, required signatures, re-assessment period) — so QA can read and change the method
// without reading code (GAMP 5 quality risk management; FDA CSA steps 1–3).
import type { Role } from '../auth/roles.js';
import { ValidationError, type ErrorDetail } from '../platform/errors.js';

export type TestDepth = 'full' | 'scripted-positive' | 'smoke';

export interface RiskFactor {
  id: string;
  question: string;
  help?: string;
  answers: Array<{ value: string; label: string; score: number }>;
}

export type Scoring =
  | { type: 'decision-table'; rules: Array<{ when: Record<string, string[]>; result: string; because: string }>; default: { result: string; because: string } }
  | { type: 'sum'; thresholds: Array<{ min: number; result: string }> }
  | { type: 'matrix'; steps: Array<{ id: string; label?: string; rows: string; columns: string; table: Record<string, Record<string, string>> }> };

export interface AssuranceLevel {
  label: string;
  description?: string;
  testDepth: TestDepth;
  requiredSignatures: Array<{ meaning: string; roles: Role[] }>;
  reassessmentMonths: number;
  /** What the assurance record must contain (CSA step 4). */
  record?: string[];
}

export interface RiskModel {
  id: string;
  version: string;
  title: string;
  description?: string;
  factors: RiskFactor[];
  scoring: Scoring;
  levels: Record<string, AssuranceLevel>;
}

export type Answers = Record<string, string>;

export interface RiskResult {
  level: string;
  assurance: AssuranceLevel;
  /** Intermediate values: the total of a sum model, each step of a matrix. */
  computed: Record<string, string | number>;
  /** Which answers drove the result, in words. */
  rationale: string[];
}

/** Checks the answers against the model: every factor answered with one of its values, nothing else. */
export function checkAnswers(model: RiskModel, answers: Answers, field = 'body.answers'): void {
  const problems: ErrorDetail[] = [];
  for (const factor of model.factors) {
    const answer = answers[factor.id];
    if (answer === undefined) problems.push({ field: `${field}.${factor.id}`, rule: 'required', message: `is required: ${factor.question}` });
    else if (!factor.answers.some((a) => a.value === answer)) {
      problems.push({ field: `${field}.${factor.id}`, rule: 'enum', message: `'${answer}' is not an allowed answer; allowed: ${factor.answers.map((a) => a.value).join(', ')}` });
    }
  }
  for (const key of Object.keys(answers)) {
    if (!model.factors.some((f) => f.id === key)) problems.push({ field: `${field}.${key}`, rule: 'additionalProperties', message: `is not a factor of ${model.id} ${model.version}` });
  }
  if (problems.length) throw new ValidationError(`The answers do not fit risk model ${model.id} ${model.version}.`, problems, 'invalid_risk_answers');
}

/** Scores checked answers. Pure: the same model and answers always give the same result. */
export function evaluate(model: RiskModel, answers: Answers): RiskResult {
  checkAnswers(model, answers);
  const label = (factorId: string) => {
    const factor = model.factors.find((f) => f.id === factorId)!;
    return `${factorId} = ${answers[factorId]} (${factor.answers.find((a) => a.value === answers[factorId])!.label})`;
  };
  const { scoring } = model;
  let level: string;
  const computed: Record<string, string | number> = {};
  const rationale: string[] = [];
  if (scoring.type === 'decision-table') {
    const rule = scoring.rules.find((r) => Object.entries(r.when).every(([factor, values]) => values.includes(answers[factor]!)));
    level = rule?.result ?? scoring.default.result;
    if (rule) rationale.push(...Object.keys(rule.when).map(label), rule.because);
    else rationale.push(`no rule matched (${model.factors.map((f) => label(f.id)).join('; ')})`, scoring.default.because);
  } else if (scoring.type === 'sum') {
    let total = 0;
    for (const factor of model.factors) {
      const score = factor.answers.find((a) => a.value === answers[factor.id])!.score;
      total += score;
      rationale.push(`${label(factor.id)}: ${score} points`);
    }
    computed.total = total;
    // The loader guarantees descending thresholds whose last one catches every total.
    const threshold = scoring.thresholds.find((t) => total >= t.min)!;
    level = threshold.result;
    rationale.push(`total ${total} ≥ ${threshold.min} → ${level}`);
  } else {
    const values: Record<string, string> = { ...answers };
    for (const step of scoring.steps) {
      const value = step.table[values[step.rows]!]![values[step.columns]!]!;
      rationale.push(`${step.rows} ${values[step.rows]} × ${step.columns} ${values[step.columns]} → ${step.label ?? step.id} ${value}`);
      values[step.id] = value;
      computed[step.id] = value;
    }
    level = values[scoring.steps[scoring.steps.length - 1]!.id]!;
  }
  return { level, assurance: model.levels[level]!, computed, rationale };
}
