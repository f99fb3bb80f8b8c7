// Request schemas of /api/v1/signatures.
export const signBody = {
  $id: 'SignRequest',
  type: 'object',
  additionalProperties: false,
  required: ['recordType', 'recordId', 'version', 'meaning', 'reason', 'password'],
  properties: {
    recordType: { type: 'string', minLength: 1, maxLength: 32, example: 'risk-assessment' },
    recordId: { type: 'string', minLength: 1, maxLength: 128 },
    version: { type: 'integer', minimum: 1, maximum: 2147483647 },
    meaning: { type: 'string', minLength: 1, maxLength: 32, example: 'approved' },
    reason: { type: 'string', minLength: 1, maxLength: 2000 },
    username: { type: 'string', minLength: 1, maxLength: 64, description: 'Required for the first signature of a session (Part 11 §11.200(a)).' },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

export const listSignaturesQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['recordType', 'recordId'],
  properties: {
    recordType: { type: 'string', minLength: 1, maxLength: 32 },
    recordId: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

export const signatureIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const;
