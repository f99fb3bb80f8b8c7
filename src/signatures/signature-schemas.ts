// Request schemas of /api/v1/signatures.
import { MAX_ID } from '../platform/http/common-schemas.js';

const target = {
  recordType: { type: 'string', minLength: 1, maxLength: 32, example: 'risk-assessment' },
  recordId: { type: 'string', minLength: 1, maxLength: 128 },
  version: { type: 'integer', minimum: 1, maximum: MAX_ID },
  meaning: { type: 'string', minLength: 1, maxLength: 32, example: 'approved' },
} as const;

const credentials = {
  reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' },
  username: { type: 'string', minLength: 1, maxLength: 64, description: 'Required for the first signature of a session (Part 11 §11.200(a)).' },
  password: { type: 'string', minLength: 1, maxLength: 1024 },
} as const;

export const signBody = {
  $id: 'SignRequest',
  type: 'object',
  additionalProperties: false,
  required: ['recordType', 'recordId', 'version', 'meaning', 'reason', 'password'],
  properties: { ...target, ...credentials },
} as const;

export const batchSignBody = {
  $id: 'BatchSignRequest',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'reason', 'password'],
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['recordType', 'recordId', 'version', 'meaning', 'reviewed'],
        properties: { ...target, reviewed: { type: 'boolean', description: 'Your confirmation that you reviewed this record version; must be true.' } },
      },
    },
    ...credentials,
  },
} as const;

export const acknowledgePolicyBody = {
  $id: 'AcknowledgeSignaturePolicy',
  type: 'object',
  additionalProperties: false,
  required: ['password'],
  properties: { password: credentials.password },
} as const;

export const signOffStatusQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['recordType', 'recordId', 'version'],
  properties: { recordType: target.recordType, recordId: target.recordId, version: target.version },
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

