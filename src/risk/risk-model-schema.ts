// The meta-schema every risk model file in risk-models/ must satisfy. Cross-references (a rule
// naming a factor, a table naming a level) are checked after it, in risk-model-registry.ts.
const id = { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9-]{0,63}$' } as const;
const text = { type: 'string', minLength: 1, maxLength: 4000 } as const;
const answerValue = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } as const;
const levelName = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } as const;

export const riskModelSchema = {
  $id: 'RiskModel',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'title', 'factors', 'scoring', 'levels'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
    title: text,
    description: text,
    factors: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'question', 'answers'],
        properties: {
          id,
          question: text,
          help: text,
          answers: {
            type: 'array',
            minItems: 2,
            maxItems: 20,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['value', 'label', 'score'],
              properties: { value: answerValue, label: text, score: { type: 'number', minimum: -1000, maximum: 1000 } },
            },
          },
        },
      },
    },
    scoring: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['decision-table', 'sum', 'matrix'] } },
      oneOf: [
        {
          additionalProperties: false,
          required: ['type', 'rules', 'default'],
          properties: {
            type: { const: 'decision-table' },
            rules: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['when', 'result', 'because'],
                properties: {
                  when: { type: 'object', minProperties: 1, additionalProperties: { type: 'array', minItems: 1, items: answerValue } },
                  result: levelName,
                  because: text,
                },
              },
            },
            default: { type: 'object', additionalProperties: false, required: ['result', 'because'], properties: { result: levelName, because: text } },
          },
        },
        {
          additionalProperties: false,
          required: ['type', 'thresholds'],
          properties: {
            type: { const: 'sum' },
            thresholds: {
              type: 'array',
              minItems: 1,
              description: 'Checked in order: the first whose min the total reaches gives the result; the last must catch everything.',
              items: { type: 'object', additionalProperties: false, required: ['min', 'result'], properties: { min: { type: 'number' }, result: levelName } },
            },
          },
        },
        {
          additionalProperties: false,
          required: ['type', 'steps'],
          properties: {
            type: { const: 'matrix' },
            steps: {
              type: 'array',
              minItems: 1,
              maxItems: 10,
              description: 'Each step looks up rows × columns (factors or earlier steps); the last step gives the level.',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['id', 'rows', 'columns', 'table'],
                properties: {
                  id,
                  label: text,
                  rows: id,
                  columns: id,
                  table: { type: 'object', minProperties: 1, additionalProperties: { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1, maxLength: 64 } } },
                },
              },
            },
          },
        },
      ],
    },
    levels: {
      type: 'object',
      minProperties: 1,
      propertyNames: levelName,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['label', 'testDepth', 'requiredSignatures', 'reassessmentMonths'],
        properties: {
          label: text,
          description: text,
          testDepth: { enum: ['full', 'scripted-positive', 'smoke'] },
          requiredSignatures: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['meaning', 'roles'],
              properties: { meaning: { type: 'string', pattern: '^[a-z][a-z-]{0,31}$' }, roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['it', 'qa'] } } },
            },
          },
          reassessmentMonths: { type: 'integer', minimum: 1, maximum: 120 },
          record: { type: 'array', maxItems: 30, items: text, description: 'What the assurance record must contain (CSA step 4)' },
        },
      },
    },
  },
} as const;
