// Request schemas of /api/v1/systems and /api/v1/interfaces.
import { CONTRACT_FORMATS } from './contract-document.js';
import { DATA_DOMAINS, DIRECTIONS, GAMP_CATEGORIES, INTERFACE_STATUSES, LAYERS, PATTERNS, SYSTEM_KINDS, SYSTEM_STATUSES } from './registry-models.js';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const;
const reason = { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S', description: 'Why (recorded in the audit trail)' } as const;

export const INTERFACE_KEY_PATTERN = '^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$';
const interfaceKey = { type: 'string', pattern: INTERFACE_KEY_PATTERN, maxLength: 64, example: 'IF-ERP-WMS-001' } as const;

const systemFields = {
  name: text(120),
  kind: { enum: [...SYSTEM_KINDS] },
  vendor: text(120),
  product: text(120),
  version: text(64),
  gampCategory: { enum: [...GAMP_CATEGORIES], description: 'GAMP 5 software category' },
  layer: { enum: [...LAYERS] },
  owner: text(120),
} as const;

const newSystem = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'vendor', 'product', 'version', 'gampCategory', 'layer', 'owner'],
  properties: systemFields,
} as const;

export const createSystemBody = { $id: 'NewSystem', ...newSystem } as const;

export const updateSystemBody = {
  $id: 'SystemChanges',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: { ...systemFields, status: { enum: [...SYSTEM_STATUSES] }, reason },
} as const;

const environments = {
  type: 'object',
  maxProperties: 20,
  propertyNames: { pattern: '^[a-z][a-z0-9-]{0,31}$' },
  // An absolute http(s) URL, or `self:/path`: the server's own address, resolved when a run is
  // queued (the reference simulators move with the port the server listens on). A self reference
  // is a path only — `self://host/…` or `self:sim` is refused — so it can never point elsewhere.
  // No look-ahead in the pattern: it must stay a linear-time (RE2) expression.
  additionalProperties: { type: 'string', format: 'uri', pattern: '^(https?://|self:/([^/]|$))', maxLength: 500, description: 'http(s)://… or self:/path (this server, wherever it listens)' },
  example: { test: 'self:/sim/wms', validation: 'https://val.example.internal/wms' },
} as const;

const stringList = (maxItems: number, maxLength: number) => ({ type: 'array', maxItems, uniqueItems: true, items: text(maxLength) }) as const;

const interfaceFields = {
  key: interfaceKey,
  name: text(200),
  sourceSystem: { ...text(120), description: 'Name of a registered system' },
  targetSystem: { ...text(120), description: 'Name of a registered system' },
  layer: { enum: [...LAYERS] },
  pattern: { enum: [...PATTERNS] },
  direction: { enum: [...DIRECTIONS] },
  messageTypes: stringList(50, 120),
  dataDomains: { type: 'array', maxItems: DATA_DOMAINS.length, uniqueItems: true, items: { enum: [...DATA_DOMAINS] } },
  platforms: { ...stringList(20, 120), description: 'Platform releases it runs on, e.g. "MuleSoft Runtime 4.6"' },
  gxpRelevant: { type: 'boolean' },
  intendedUse: text(4000),
  owner: text(120),
  environments,
} as const;

const interfaceRequired = ['key', 'name', 'sourceSystem', 'targetSystem', 'layer', 'pattern', 'direction', 'messageTypes', 'dataDomains', 'platforms', 'gxpRelevant', 'intendedUse', 'owner'];

const newInterface = {
  type: 'object',
  additionalProperties: false,
  required: interfaceRequired,
  properties: { ...interfaceFields, status: { enum: ['draft', 'active'], description: 'draft (default) or active' } },
} as const;

export const createInterfaceBody = { $id: 'NewInterface', ...newInterface } as const;

const { key: _key, ...editableFields } = interfaceFields;

export const updateInterfaceBody = {
  $id: 'InterfaceChanges',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: { ...editableFields, reason },
} as const;

export const interfaceStatusBody = {
  $id: 'InterfaceStatusChange',
  type: 'object',
  additionalProperties: false,
  required: ['status', 'reason'],
  properties: { status: { enum: [...INTERFACE_STATUSES] }, reason },
} as const;

/** A contract as registered: the document as JSON, or a string holding JSON or YAML. */
export const contractDocument = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'document'],
  properties: {
    format: { enum: [...CONTRACT_FORMATS] },
    document: { anyOf: [{ type: 'object' }, { type: 'string' }], description: 'The document as JSON, or a string holding JSON or YAML' },
    note: { type: 'string', maxLength: 2000 },
  },
} as const;

export const importRegistryBody = {
  $id: 'RegistryImport',
  type: 'object',
  additionalProperties: false,
  required: ['interfaces'],
  properties: {
    format: { const: 'gxpw.registry.v1' },
    systems: { type: 'array', maxItems: 1000, items: { ...newSystem, properties: { ...newSystem.properties, status: { enum: [...SYSTEM_STATUSES] } } } },
    interfaces: {
      type: 'array',
      minItems: 1,
      maxItems: 10000,
      items: {
        ...newInterface,
        properties: {
          ...newInterface.properties,
          status: { enum: [...INTERFACE_STATUSES] },
          retiredReason: { type: ['string', 'null'], maxLength: 2000, pattern: '\\S' },
          contracts: { type: 'array', maxItems: 100, description: 'Contract versions, oldest first', items: contractDocument },
        },
        if: { required: ['status'], properties: { status: { const: 'retired' } } },
        then: { required: ['retiredReason'], properties: { retiredReason: { type: 'string', minLength: 1 } } },
      },
    },
  },
} as const;

export const interfaceKeyParams = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: { key: interfaceKey },
} as const;


export const listInterfacesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    layer: { enum: [...LAYERS] },
    status: { enum: [...INTERFACE_STATUSES] },
    pattern: { enum: [...PATTERNS] },
    riskLevel: { type: 'string', maxLength: 32 },
    system: { type: 'string', maxLength: 120, description: 'Source or target system name' },
    platform: { type: 'string', maxLength: 120, description: 'Exact platform release, e.g. "MuleSoft Runtime 4.6"' },
    dataDomain: { enum: [...DATA_DOMAINS] },
    gxpRelevant: { type: 'boolean' },
    q: { type: 'string', maxLength: 200, description: 'Text in the key or name' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    offset: { type: 'integer', minimum: 0, maximum: 10000000, default: 0 },
  },
} as const;
