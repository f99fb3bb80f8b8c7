// Request schemas of /api/v1/packages (validated at the edge by the shared ajv instance).
import { PACKAGE_STATUSES } from './package-model.js';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const;
const interfaceKey = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;

const scope = {
  type: 'array',
  minItems: 1,
  maxItems: 200,
  description: 'Interfaces the package validates, each at a contract version (default: its current one)',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['interface'],
    properties: { interface: interfaceKey, contractVersion: { type: 'integer', minimum: 1, maximum: 1000000 } },
  },
} as const;

const plan = {
  type: 'array',
  minItems: 1,
  maxItems: 50,
  description: 'The validation plan, section by section (drafted from templates/documents/package/validation-plan.hbs when left out)',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'title', 'text'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }, title: text(200), text: { type: 'string', maxLength: 50000 } },
  },
} as const;

export const newPackageBody = {
  $id: 'NewPackage',
  type: 'object',
  additionalProperties: false,
  required: ['title', 'scope'],
  properties: { title: text(200), scope, plan },
} as const;

export const packageChangesBody = {
  $id: 'PackageChanges',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: { title: text(200), scope, plan, reason: text(2000) },
} as const;

export const reasonBody = {
  $id: 'PackageReason',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: text(2000) },
} as const;

export const optionalReasonBody = {
  $id: 'PackageOptionalReason',
  type: 'object',
  additionalProperties: false,
  properties: { reason: text(2000) },
} as const;

export const packageListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { enum: [...PACKAGE_STATUSES] }, key: { type: 'string', pattern: '^VP-[0-9]{4,9}$' } },
} as const;

export const manifestQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { revision: { type: 'integer', minimum: 1, maximum: 1000000 } },
} as const;
