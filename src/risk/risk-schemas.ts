// Request schemas of /api/v1/risk-models and risk assessments.
const answers = {
  type: 'object',
  maxProperties: 50,
  propertyNames: { pattern: '^[a-zA-Z][a-zA-Z0-9-]{0,63}$' },
  additionalProperties: { type: 'string', maxLength: 64 },
  example: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'creates-or-modifies-gxp-records' },
} as const;

export const modelIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' } },
} as const;

export const evaluateBody = {
  $id: 'RiskAnswers',
  type: 'object',
  additionalProperties: false,
  required: ['answers'],
  properties: { answers },
} as const;

export const assessBody = {
  $id: 'NewRiskAssessment',
  type: 'object',
  additionalProperties: false,
  required: ['modelId', 'answers'],
  properties: {
    modelId: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$', example: 'fda-csa' },
    answers,
    scope: { type: 'string', minLength: 1, maxLength: 128, pattern: '\\S', description: 'A message type or function the assessment covers; omit for the whole interface' },
    notes: { type: 'string', maxLength: 4000 },
  },
} as const;

