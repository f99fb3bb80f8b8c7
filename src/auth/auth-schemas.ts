// Request schemas of the auth and user routes (JSON Schema, `as const`).
import { ROLES } from './roles.js';
export { idParams } from '../platform/http/common-schemas.js';

const username = { type: 'string', minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', example: 'qa.lead' } as const;
const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const reason = { type: 'string', minLength: 1, maxLength: 2000, description: 'Why the change is made (kept in the audit trail).' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const loginBody = {
  $id: 'LoginRequest',
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password },
} as const;
export interface LoginBody {
  username: string;
  password: string;
}

export const changePasswordBody = {
  $id: 'ChangePasswordRequest',
  type: 'object',
  additionalProperties: false,
  required: ['username', 'currentPassword', 'newPassword'],
  properties: { username, currentPassword: password, newPassword: password },
} as const;
export interface ChangePasswordBody {
  username: string;
  currentPassword: string;
  newPassword: string;
}

export const createUserBody = {
  $id: 'CreateUserRequest',
  type: 'object',
  additionalProperties: false,
  required: ['username', 'fullName', 'role', 'password'],
  properties: {
    username,
    fullName: { type: 'string', minLength: 1, maxLength: 200, description: 'Printed name used on signatures.' },
    role: { type: 'string', enum: ROLES },
    password: { ...password, description: 'Initial password; the user must change it at first sign-in.' },
    email: { type: ['string', 'null'], format: 'email', maxLength: 254 },
    trainingCompletedAt: nullableDateTime,
    qualification: { type: ['string', 'null'], maxLength: 2000 },
  },
} as const;

export const updateUserBody = {
  $id: 'UpdateUserRequest',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: {
    fullName: { type: 'string', minLength: 1, maxLength: 200 },
    email: { type: ['string', 'null'], format: 'email', maxLength: 254 },
    role: { type: 'string', enum: ROLES },
    trainingCompletedAt: nullableDateTime,
    qualification: { type: ['string', 'null'], maxLength: 2000 },
    reason,
  },
} as const;

export const reasonBody = {
  $id: 'ReasonRequest',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason },
} as const;

export const resetPasswordBody = {
  $id: 'ResetPasswordRequest',
  type: 'object',
  additionalProperties: false,
  required: ['password', 'reason'],
  properties: { password, reason },
} as const;

export const listUsersQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    role: { type: 'string', enum: ROLES },
    status: { type: 'string', enum: ['active', 'deactivated'] },
  },
} as const;

export const listAlertsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { acknowledged: { type: 'boolean' } },
} as const;

export const acknowledgeAlertBody = {
  $id: 'AcknowledgeAlertRequest',
  type: 'object',
  additionalProperties: false,
  properties: { note: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const;

export const listAccessGrantsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'cancelled'] },
    kind: { type: 'string', enum: ['role', 'new-user', 'training', 'password', 'bootstrap'] },
    userId: { type: 'integer', minimum: 1, maximum: 2147483647 },
  },
} as const;

export const requestAccessGrantBody = {
  $id: 'RequestAccessGrant',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'userId', 'reason'],
  properties: {
    kind: { type: 'string', enum: ['password'], description: 'Role and training grants arise from user changes; this asks a second person to approve signing with a password chosen after an administrator set one.' },
    userId: { type: 'integer', minimum: 1, maximum: 2147483647 },
    reason: { ...reason, pattern: '\\S' },
  },
} as const;

export const decideAccessGrantBody = {
  $id: 'DecideAccessGrant',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { ...reason, pattern: '\\S' } },
} as const;
