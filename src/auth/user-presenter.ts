// The outside view of a user, built field by field so the password hash can never leak. The same
// view is what the audit trail stores as before/after values.
import type { User } from './auth-models.js';

export interface UserView {
  id: number;
  username: string;
  fullName: string;
  email: string | null;
  role: string;
  status: string;
  locked: boolean;
  lockedAt: string | null;
  mustChangePassword: boolean;
  passwordChangedAt: string;
  trainingCompletedAt: string | null;
  qualification: string | null;
  signaturePolicyAcknowledgedAt: string | null;
  deactivatedAt: string | null;
  /** The approved access grant behind the current role's signing right; null: cannot sign by role. */
  signingGrantId: number | null;
  /** When an administrator last set the password, and when the user chose their own after it. */
  passwordSetByAdminAt: string | null;
  passwordChosenAt: string | null;
  /** When a second person approved signing with that chosen password (instead of the cooling-off). */
  passwordApprovedAt: string | null;
  createdAt: string;
}

export function presentUser(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    fullName: user.fullName,
    email: user.email,
    role: user.role,
    status: user.status,
    locked: user.lockedAt !== null,
    lockedAt: isoOrNull(user.lockedAt),
    mustChangePassword: Boolean(user.mustChangePassword),
    passwordChangedAt: new Date(user.passwordChangedAt).toISOString(),
    trainingCompletedAt: isoOrNull(user.trainingCompletedAt),
    qualification: user.qualification,
    signaturePolicyAcknowledgedAt: isoOrNull(user.signaturePolicyAcknowledgedAt),
    deactivatedAt: isoOrNull(user.deactivatedAt),
    signingGrantId: user.signingGrantId ?? null,
    passwordSetByAdminAt: isoOrNull(user.passwordSetByAdminAt ?? null),
    passwordChosenAt: isoOrNull(user.passwordChosenAt ?? null),
    passwordApprovedAt: isoOrNull(user.passwordApprovedAt ?? null),
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
