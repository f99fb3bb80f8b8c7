// Request schemas of /api/v1/interfaces/:key/requirements.
import { MAX_ID } from '../platform/http/common-schemas.js';
import { REQUIREMENT_RISKS, REQUIREMENT_STATUSES, REQUIREMENT_TYPES } from './requirement-model.js';
import { interfaceKeyParams } from './registry-schemas.js';

/**
 * A requirement id as scenarios name it: a prefix, a dash, then letters, digits, dots and dashes
 * (IF-SER-TP-009-R03, URS-014, FS-4.1). Drafted ones are `<interface key>-R<nn>`, so the length
 * leaves room after the longest interface key.
 */
export const REQUIREMENT_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9.-]+$';
export const REQUIREMENT_KEY_MAX_LENGTH = 80;

export const requirementKey = { type: 'string', pattern: REQUIREMENT_KEY_PATTERN, maxLength: REQUIREMENT_KEY_MAX_LENGTH, example: 'IF-SER-TP-009-R03' } as const;

const text = { type: 'string', minLength: 1, maxLength: 4000, pattern: '\\S', description: 'The requirement, as a "shall" statement', example: 'Every GS1 key the interface carries shall have a valid check digit.' } as const;
const reason = { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S', description: 'Why (recorded with the version and in the audit trail)' } as const;
const type = { enum: [...REQUIREMENT_TYPES], description: 'user (URS), functional (FS), data-integrity or regulatory' } as const;
const risk = { enum: [...REQUIREMENT_RISKS], description: "The risk the requirement carries (default: the interface's risk level, else medium)" } as const;

export const requirementParams = {
  ...interfaceKeyParams,
  required: ['key', 'requirementKey'],
  properties: { ...interfaceKeyParams.properties, requirementKey },
} as const;

export const requirementVersionParams = {
  ...interfaceKeyParams,
  required: ['key', 'requirementKey', 'version'],
  properties: { ...interfaceKeyParams.properties, requirementKey, version: { type: 'integer', minimum: 1, maximum: MAX_ID } },
} as const;

export const listRequirementsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { enum: [...REQUIREMENT_STATUSES], description: 'Only requirements whose current version has this status (default: all)' } },
} as const;

export const createRequirementBody = {
  $id: 'NewRequirement',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'text'],
  properties: {
    key: { ...requirementKey, description: 'Stable id (default: the next <interface key>-R<nn>); never reused on the interface' },
    type,
    text,
    risk,
    reason: { ...reason, description: 'Where the requirement comes from (optional)' },
  },
} as const;

export const updateRequirementBody = {
  $id: 'RequirementChanges',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: { type, text, risk, reason },
} as const;

export const retireRequirementBody = {
  $id: 'RequirementRetirement',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason },
} as const;

/** Drafting takes no options: it reads the interface and its current contract. */
export const draftRequirementsBody = { $id: 'RequirementDraft', type: 'object', additionalProperties: false, properties: {} } as const;
