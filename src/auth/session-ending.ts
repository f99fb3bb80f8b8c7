// Ends a user's open sessions when their credentials change (Part 11 §11.10(d), §11.300): an
// administrator's password reset ends all of them, the user's own password change all but the
// session that made it. Each ended session is audited, in the transaction that ended it, as
// `auth.session_ended` (entity: the session, like `auth.logout`) with the reason. A token refused
// because its user's password must be changed or has expired ends its own session the same way.
import { Op, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AuthModels } from './auth-models.js';

export type SessionEndReason = 'password_reset' | 'password_changed' | 'password_change_required' | 'password_expired';

export async function endSessionsOfUser(
  tx: Transaction,
  models: AuthModels,
  audit: AuditTrail,
  ctx: RequestContext,
  end: { userId: number; reason: SessionEndReason; at: Date; keepSessionId?: string | null; onlySessionId?: string },
): Promise<string[]> {
  const id = end.onlySessionId ?? (end.keepSessionId ? { [Op.ne]: end.keepSessionId } : undefined);
  const open = await models.Session.findAll({
    where: { userId: end.userId, endedAt: null, ...(id === undefined ? {} : { id }) },
    order: [['createdAt', 'ASC'], ['id', 'ASC']],
    transaction: tx,
    lock: tx.LOCK.UPDATE,
  });
  for (const session of open) {
    session.endedAt = end.at;
    session.endReason = end.reason;
    await session.save({ transaction: tx });
    await audit.record(tx, ctx, { action: 'auth.session_ended', entityType: 'session', entityId: session.id, change: 'event', after: { userId: end.userId, reason: end.reason } });
  }
  return open.map((s) => s.id);
}
