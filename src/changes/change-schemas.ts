// Request schemas of /api/v1/changes (validated at the edge by the shared ajv instance).
import { CHANGE_STATES, CHANGE_TYPES, TRIAGE_RATINGS } from './change-types.js';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const;
const name = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } as const;
const key = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' } as const;
const environment = { type: 'string', minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' } as const;
const version = { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S' } as const;
const digest = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const depth = { enum: ['smoke', 'scripted-positive', 'full'] } as const;

export const newChangeBody = {
  $id: 'NewChange',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'title', 'description', 'justification', 'plannedDate', 'environments'],
  properties: {
    type: { enum: [...CHANGE_TYPES] },
    title: text(200),
    platform: name,
    system: name,
    interface: key,
    product: name,
    versionFrom: version,
    versionTo: version,
    description: text(8000),
    justification: text(8000),
    plannedDate: date,
    environments: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: environment },
    releaseItems: {
      type: 'array',
      maxItems: 500,
      items: { type: 'object', additionalProperties: false, required: ['title'], properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }, title: text(500), description: { type: 'string', maxLength: 8000 } } },
    },
  },
} as const;

export const changeEditsBody = {
  $id: 'ChangeEdits',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: {
    title: text(200),
    description: text(8000),
    justification: text(8000),
    plannedDate: date,
    environments: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: environment },
    releaseNotes: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: digest, description: 'Evidence digests of the vendor release notes (upload them first: POST /api/v1/evidence)' },
    reason: text(2000),
  },
} as const;

export const triageBody = {
  $id: 'ChangeTriage',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'reason'],
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 500,
      items: { type: 'object', additionalProperties: false, required: ['id', 'rating', 'rationale'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, rating: { enum: [...TRIAGE_RATINGS] }, rationale: text(4000), interfaces: { type: 'array', maxItems: 1000, uniqueItems: true, items: key } } },
    },
    reason: text(2000),
  },
} as const;

export const impactEditBody = {
  $id: 'ChangeImpactEdit',
  type: 'object',
  additionalProperties: false,
  required: ['rationale'],
  minProperties: 2,
  properties: {
    rationale: text(4000),
    exclude: { type: 'array', maxItems: 1000, uniqueItems: true, items: key },
    depth: { type: 'object', maxProperties: 1000, propertyNames: key, additionalProperties: depth },
    environment: { type: 'object', maxProperties: 1000, propertyNames: key, additionalProperties: environment },
  },
} as const;

export const transitionBody = {
  $id: 'ChangeTransition',
  type: 'object',
  additionalProperties: false,
  required: ['to', 'reason'],
  properties: { to: { enum: [...CHANGE_STATES] }, reason: text(2000), implementedVersion: version, implementedAt: date },
} as const;

export const regressionBody = {
  $id: 'ChangeRegression',
  type: 'object',
  additionalProperties: false,
  properties: { environment },
} as const;

export const importBody = {
  $id: 'ReleaseCalendarImport',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'content'],
  properties: { format: { enum: ['json', 'csv'] }, content: { type: 'string', minLength: 1, maxLength: 5_000_000, description: 'The release calendar as text (JSON or CSV, see the README)' } },
} as const;

export const changeListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { state: { enum: [...CHANGE_STATES] }, open: { type: 'boolean' } },
} as const;
