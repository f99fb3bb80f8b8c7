// Security alerts for administrators (Part 11 §11.300(d): detect and urgently report attempts at
// unauthorized use). Raised inside the transaction that detected the attempt, logged at warn
// level at once, and kept until acknowledged; never deleted.
import { Op, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AuthModels, SecurityAlert } from './auth-models.js';

export interface NewSecurityAlert {
  kind: string;
  severity: SecurityAlert['severity'];
  message: string;
  username?: string | null;
  userId?: number | null;
  details?: Record<string, unknown>;
}

export function presentSecurityAlert(alert: SecurityAlert) {
  return {
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    message: alert.message,
    username: alert.username,
    userId: alert.userId,
    details: alert.details === null ? null : JSON.parse(alert.details),
    createdAt: new Date(alert.createdAt).toISOString(),
    acknowledged: alert.acknowledgedAt !== null,
    acknowledgedAt: alert.acknowledgedAt === null ? null : new Date(alert.acknowledgedAt).toISOString(),
    acknowledgedBy: alert.acknowledgedBy,
    acknowledgementNote: alert.acknowledgementNote,
  };
}

export class SecurityAlertService {
  constructor(
    private readonly database: Database,
    private readonly models: AuthModels,
    private readonly audit: AuditTrail,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async raise(tx: Transaction, ctx: RequestContext, alert: NewSecurityAlert): Promise<SecurityAlert> {
    const row = await this.models.SecurityAlert.create(
      {
        kind: alert.kind,
        severity: alert.severity,
        message: alert.message,
        username: alert.username ?? null,
        userId: alert.userId ?? null,
        details: alert.details ? JSON.stringify(alert.details) : null,
        createdAt: this.now(),
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgementNote: null,
      },
      { transaction: tx },
    );
    await this.audit.record(tx, ctx, { action: 'security_alert.raised', entityType: 'security-alert', entityId: row.id, change: 'create', after: presentSecurityAlert(row) });
    tx.afterCommit(() => this.logger.warn({ securityAlert: presentSecurityAlert(row), correlationId: ctx.correlationId }, `SECURITY ALERT: ${alert.message}`));
    return row;
  }

  async list(filter: { acknowledged?: boolean }): Promise<SecurityAlert[]> {
    const where = filter.acknowledged === undefined ? {} : { acknowledgedAt: filter.acknowledged ? { [Op.ne]: null } : { [Op.is]: null } };
    return this.models.SecurityAlert.findAll({ where, order: [['id', 'DESC']] });
  }

  async acknowledge(ctx: RequestContext, id: number, note: string | null): Promise<SecurityAlert> {
    return this.database.write(async (tx) => {
      const alert = await this.models.SecurityAlert.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!alert) throw new NotFoundError(`No security alert with id ${id}.`, 'security_alert_not_found');
      if (alert.acknowledgedAt !== null) throw new ConflictError(`Security alert ${id} is already acknowledged.`, 'already_acknowledged');
      const before = presentSecurityAlert(alert);
      alert.acknowledgedAt = this.now();
      alert.acknowledgedBy = ctx.actor.userId;
      alert.acknowledgementNote = note;
      await alert.save({ transaction: tx });
      await this.audit.record(tx, ctx, {
        action: 'security_alert.acknowledged',
        entityType: 'security-alert',
        entityId: alert.id,
        change: 'status',
        before,
        after: presentSecurityAlert(alert),
        reason: note ?? 'acknowledged',
      });
      return alert;
    });
  }
}
