// Outside views of risk models and assessments. An assessment made under an older model version
// (or a model since edited) says so: "model changed since".
import type { RiskAssessment } from './assessment-model.js';
import type { LoadedRiskModel } from './risk-model-registry.js';
import type { RiskResult } from './risk-model.js';

export function presentRiskModel({ model, digest }: LoadedRiskModel) {
  return { ...model, digest };
}

export function presentAssessment(row: RiskAssessment, interfaceKey: string, currentModel: LoadedRiskModel | null, supersededBy: number | null) {
  const result = JSON.parse(row.result) as RiskResult;
  const modelChangedSince = currentModel === null || currentModel.digest !== row.modelDigest;
  return {
    id: row.id,
    interface: interfaceKey,
    scope: row.scope || null,
    model: { id: row.modelId, version: row.modelVersion, digest: row.modelDigest },
    modelChangedSince,
    modelStatus: currentModel === null ? 'model no longer available' : modelChangedSince ? `model changed since (now ${currentModel.model.version})` : 'current model',
    answers: JSON.parse(row.answers) as Record<string, string>,
    level: result.level,
    assurance: result.assurance,
    computed: result.computed,
    rationale: result.rationale,
    notes: row.notes,
    assessedBy: { id: row.assessedBy, name: row.assessedByName },
    assessedAt: row.assessedAt,
    reviewDue: row.reviewDue,
    supersedes: row.supersedesId,
    supersededBy,
    current: supersededBy === null,
  };
}
