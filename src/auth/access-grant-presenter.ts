// The outside view of an access grant: what is asked for whom, by whom and why, how it was decided,
// and how to approve it (the `user-access` signature that does so).
import type { AccessGrant } from './auth-models.js';
import { BOOTSTRAP_DECIDER, grantContent } from './access-grant-service.js';

export function presentAccessGrant(grant: AccessGrant) {
  const content = grantContent(grant);
  const decided = grant.status !== 'pending';
  return {
    id: grant.id,
    kind: grant.kind,
    status: grant.status,
    user: content.user,
    requested: content.requested,
    requestedBy: content.requestedBy,
    requestedAt: new Date(grant.requestedAt).toISOString(),
    reason: grant.reason,
    decision: decided
      ? {
          by: { id: grant.decidedBy, printedName: grant.decidedByName ?? BOOTSTRAP_DECIDER },
          at: grant.decidedAt === null ? null : new Date(grant.decidedAt).toISOString(),
          reason: grant.decisionReason,
          signatureId: grant.signatureId,
        }
      : null,
    /** Approve with POST /api/v1/signatures and these fields (plus reason and credentials). */
    approval: grant.status === 'pending' ? { recordType: 'user-access', recordId: String(grant.id), version: 1, meaning: 'approved' } : null,
  };
}
