// Request schemas of /api/v1/platforms.
import { MAX_ID } from '../platform/http/common-schemas.js';
import { ENVIRONMENT_NAME_PATTERN, PLATFORM_KEY_MAX, PLATFORM_KEY_PATTERN, PLATFORM_KINDS, PLATFORM_STATUSES } from './platform-model.js';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const;
const reason = { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S', description: 'Why (recorded in the audit trail)' } as const;

const platformKey = { type: 'string', pattern: PLATFORM_KEY_PATTERN, maxLength: PLATFORM_KEY_MAX, example: 'mulesoft-runtime' } as const;
const environment = { type: 'string', pattern: ENVIRONMENT_NAME_PATTERN, maxLength: 32, example: 'production' } as const;
const version = { ...text(64), description: 'The version in service, as the vendor names it', example: '4.6' } as const;

const fields = {
  name: { ...text(120), description: 'The product as interfaces name it before their version', example: 'MuleSoft Runtime' },
  vendor: { anyOf: [text(120), { type: 'null' }], example: 'Salesforce (MuleSoft)' },
  kind: { enum: [...PLATFORM_KINDS] },
  systemIds: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: MAX_ID }, description: 'Ids of the systems that run on it' },
} as const;

export const createPlatformBody = {
  $id: 'NewPlatform',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind'],
  properties: {
    key: { ...platformKey, description: 'Stable slug (default: the name as one)' },
    ...fields,
    versions: {
      type: 'object',
      maxProperties: 20,
      propertyNames: { pattern: ENVIRONMENT_NAME_PATTERN },
      additionalProperties: version,
      description: 'Environment → version in service there',
      example: { test: '4.9', production: '4.6' },
    },
  },
} as const;

export const updatePlatformBody = {
  $id: 'PlatformChanges',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: { ...fields, status: { enum: [...PLATFORM_STATUSES], description: 'retired (needs no live interface on it) or active again' }, reason },
} as const;

export const setPlatformVersionBody = {
  $id: 'PlatformVersionChange',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'reason'],
  properties: { version, reason },
} as const;

export const platformKeyParams = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: { key: platformKey },
} as const;

export const platformVersionParams = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'environment'],
  properties: { key: platformKey, environment },
} as const;
