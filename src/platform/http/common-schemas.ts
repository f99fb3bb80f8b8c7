// Schemas many routes share. Ids are bounded to PostgreSQL's integer range, so an absurd id is a
// 400 instead of a database error.
export const MAX_ID = 2147483647;

export const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ID } },
} as const;
