// Deviations: a failed or erroneous run step opens one (description, impact); investigation adds
// the root cause and resolution; QA closes it by signing the resolved version 'approved' (Part 11:
// the closure is a signature bound to exactly that content). Every change is a new version with a
// reason; a signed version is locked, so nothing changes after closure.
import { DataTypes, Model, Op, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RecordStateDefinition } from '../audit/record-states.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import { numericRecordId, type SignableRecordType, type SignatureService } from '../signatures/signature-service.js';
import type { RunService } from './run-service.js';

export const DEVIATION_STATUSES = ['open', 'investigating', 'resolved'] as const;
export type DeviationStatus = (typeof DEVIATION_STATUSES)[number];

/** Deviations with every version, as `gxpw verify` reconciles them (record-states.ts). */
export const DEVIATION_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'deviation',
    table: 'deviations',
    idColumn: 'id',
    idKind: 'integer',
    columns: { run_id: 'integer', step_position: 'integer', interface_key: 'text', current_version: 'integer', status: 'text', opened_at: 'text' },
    parts: {
      table: 'deviation_versions',
      parentColumn: 'deviation_id',
      orderBy: ['version', 'id'],
      columns: { id: 'integer', version: 'integer', content: 'text', changed_at: 'text', changed_by: 'integer', changed_by_name: 'text', reason: 'text' },
    },
  },
];

export interface DeviationContent {
  runId: number;
  stepPosition: number;
  interface: string;
  title: string;
  description: string;
  impact: string;
  rootCause: string | null;
  resolution: string | null;
  status: DeviationStatus;
}

export class Deviation extends Model<InferAttributes<Deviation>, InferCreationAttributes<Deviation>> {
  declare id: CreationOptional<number>;
  declare runId: number;
  declare stepPosition: number;
  declare interfaceKey: string;
  declare currentVersion: number;
  declare status: DeviationStatus;
  declare openedAt: string;
}

export class DeviationVersion extends Model<InferAttributes<DeviationVersion>, InferCreationAttributes<DeviationVersion>> {
  declare id: CreationOptional<number>;
  declare deviationId: number;
  declare version: number;
  declare content: string;
  declare changedAt: string;
  declare changedBy: number | null;
  declare changedByName: string;
  declare reason: string | null;
}

export interface DeviationModels {
  Deviation: ModelStatic<Deviation>;
  DeviationVersion: ModelStatic<DeviationVersion>;
}

export function defineDeviationModels(sequelize: Sequelize): DeviationModels {
  const { INTEGER, STRING, TEXT } = DataTypes;
  const options = { sequelize, underscored: true, timestamps: false };
  class BoundDeviation extends Deviation {}
  BoundDeviation.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      runId: { type: INTEGER, allowNull: false },
      stepPosition: { type: INTEGER, allowNull: false },
      interfaceKey: { type: STRING(64), allowNull: false },
      currentVersion: { type: INTEGER, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      openedAt: { type: STRING(24), allowNull: false },
    },
    { ...options, tableName: 'deviations' },
  );
  class BoundDeviationVersion extends DeviationVersion {}
  BoundDeviationVersion.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      deviationId: { type: INTEGER, allowNull: false },
      version: { type: INTEGER, allowNull: false },
      content: { type: TEXT, allowNull: false },
      changedAt: { type: STRING(24), allowNull: false },
      changedBy: { type: INTEGER, allowNull: true },
      changedByName: { type: STRING(200), allowNull: false },
      reason: { type: TEXT, allowNull: true },
    },
    { ...options, tableName: 'deviation_versions' },
  );
  return { Deviation: BoundDeviation, DeviationVersion: BoundDeviationVersion };
}

export interface DeviationChanges {
  title?: string;
  description?: string;
  impact?: string;
  rootCause?: string;
  resolution?: string;
  status?: DeviationStatus;
}

const TRANSITIONS: Record<DeviationStatus, DeviationStatus[]> = { open: ['investigating', 'resolved'], investigating: ['resolved'], resolved: ['investigating'] };

export class DeviationService {
  constructor(
    private readonly database: Database,
    private readonly models: DeviationModels,
    private readonly runs: RunService,
    private readonly signatures: SignatureService,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Opens a deviation on a failed or erroneous step of a finished run. */
  async open(ctx: RequestContext, runId: number, input: { stepPosition: number; title: string; description: string; impact: string }): Promise<Deviation> {
    const run = await this.runs.get(runId);
    if (!run.finishedAt) throw new ConflictError(`Run ${runId} has not finished yet.`, 'run_not_finished');
    const step = (await this.runs.steps(runId)).find((s) => s.position === input.stepPosition);
    if (!step) throw new ValidationError(`Run ${runId} has no step ${input.stepPosition}.`, [{ field: 'body.stepPosition', rule: 'exists', message: 'no such step in this run' }], 'step_not_found');
    if (step.status === 'passed') throw new ConflictError(`Step ${input.stepPosition} of run ${runId} passed: there is nothing to deviate from.`, 'step_passed');
    const content: DeviationContent = { runId, stepPosition: input.stepPosition, interface: run.interfaceKey, title: input.title.trim(), description: input.description.trim(), impact: input.impact.trim(), rootCause: null, resolution: null, status: 'open' };
    return this.database.write(async (tx) => {
      const deviation = await this.models.Deviation.create({ runId, stepPosition: input.stepPosition, interfaceKey: run.interfaceKey, currentVersion: 1, status: 'open', openedAt: this.now().toISOString() }, { transaction: tx });
      await this.addVersion(tx, ctx, deviation.id, 1, content, null);
      await this.audit.record(tx, ctx, { action: 'deviation.opened', entityType: 'deviation', entityId: deviation.id, change: 'create', after: content });
      return deviation;
    });
  }

  /** A new version with the changes and a reason; refused once the current version is signed. */
  async update(ctx: RequestContext, id: number, changes: DeviationChanges, reason: string): Promise<Deviation> {
    return this.database.write(async (tx) => {
      const deviation = await this.models.Deviation.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!deviation) throw new NotFoundError(`No deviation ${id}.`, 'deviation_not_found');
      // Approval closes a deviation for good; a review is of one version and a later version simply supersedes it.
      await this.signatures.assertUnsigned('deviation', String(id), deviation.currentVersion, tx, ['approved']);
      const before = await this.contentOf(id, deviation.currentVersion, tx);
      const after: DeviationContent = { ...before };
      for (const field of ['title', 'description', 'impact', 'rootCause', 'resolution'] as const) if (changes[field] !== undefined) after[field] = changes[field]!.trim();
      if (changes.status !== undefined && changes.status !== before.status) {
        if (!TRANSITIONS[before.status].includes(changes.status)) throw new ConflictError(`A deviation that is ${before.status} cannot become ${changes.status}.`, 'invalid_transition');
        after.status = changes.status;
      }
      if (after.status === 'resolved' && (!after.rootCause || !after.resolution)) {
        throw new ValidationError('A resolved deviation needs its root cause and resolution.', [{ field: 'body.rootCause', rule: 'required', message: 'needed to resolve' }, { field: 'body.resolution', rule: 'required', message: 'needed to resolve' }].filter((d) => !after[d.field.slice(5) as 'rootCause' | 'resolution']), 'resolution_incomplete');
      }
      deviation.currentVersion += 1;
      deviation.status = after.status;
      await deviation.save({ transaction: tx });
      await this.addVersion(tx, ctx, id, deviation.currentVersion, after, reason);
      await this.audit.record(tx, ctx, { action: 'deviation.updated', entityType: 'deviation', entityId: id, change: 'update', before, after, reason });
      return deviation;
    });
  }

  async get(id: number): Promise<Deviation> {
    const deviation = await this.models.Deviation.findByPk(id);
    if (!deviation) throw new NotFoundError(`No deviation ${id}.`, 'deviation_not_found');
    return deviation;
  }

  /** Newest first; `closed` and `resolved` are told apart by the approval, as a deviation shows them. */
  async list(filter: { runId?: number; status?: DeviationStatus | 'closed' }): Promise<Deviation[]> {
    const stored = filter.status === 'closed' ? 'resolved' : filter.status;
    const rows = await this.models.Deviation.findAll({ where: { ...(filter.runId ? { runId: filter.runId } : {}), ...(stored ? { status: stored } : {}) }, order: [['id', 'DESC']], limit: 1000 });
    if (stored !== 'resolved') return rows;
    const closed = await Promise.all(rows.map((row) => this.isClosed(row)));
    return rows.filter((_, i) => closed[i] === (filter.status === 'closed'));
  }

  async versions(id: number): Promise<DeviationVersion[]> {
    return this.models.DeviationVersion.findAll({ where: { deviationId: id }, order: [['version', 'ASC']] });
  }

  /** Closed = the current version is resolved and carries a valid QA approval. */
  async isClosed(deviation: Deviation): Promise<boolean> {
    if (deviation.status !== 'resolved') return false;
    return (await this.signatures.signOffStatus('deviation', String(deviation.id), deviation.currentVersion)).complete;
  }

  /** Evidence may be filed for a deviation under investigation, not for a closed one. */
  async assertAcceptsEvidence(recordId: string, tx?: Transaction): Promise<void> {
    const id = numericRecordId(recordId);
    const deviation = id === null ? null : await this.models.Deviation.findByPk(id, { transaction: tx });
    if (!deviation) throw new NotFoundError(`No deviation ${recordId}.`, 'deviation_not_found');
    if (deviation.status === 'resolved' && (await this.signatures.isSigned('deviation', String(deviation.id), deviation.currentVersion, tx, ['approved']))) {
      throw new ConflictError(`Deviation ${deviation.id} is closed: no more evidence can be filed for it.`, 'deviation_closed');
    }
  }

  signableRecordType(): SignableRecordType {
    const load = async (recordId: string, tx?: Transaction) => {
      const id = numericRecordId(recordId);
      return id === null ? null : this.models.Deviation.findByPk(id, { transaction: tx });
    };
    return {
      type: 'deviation',
      meanings: { reviewed: ['it', 'qa'], approved: ['qa'] },
      required: ['approved'],
      refusal: (content, meaning) => (meaning === 'approved' && (content as DeviationContent).status !== 'resolved' ? 'Only a resolved deviation (root cause and resolution recorded) can be approved.' : null),
      currentVersion: async (recordId, tx) => (await load(recordId, tx))?.currentVersion ?? null,
      loadVersion: async (recordId, version, tx) => {
        const id = numericRecordId(recordId);
        const rows = id === null ? [] : await this.models.DeviationVersion.findAll({ where: { deviationId: id, version: { [Op.lte]: version } }, order: [['version', 'ASC']], transaction: tx });
        const row = rows.find((r) => r.version === version);
        // Everyone who wrote any version up to this one is an author of what it says: none of them
        // may review or approve it (separation of duties, Part 11 §11.10(g)).
        const authorIds = [...new Set(rows.flatMap((r) => (r.changedBy === null ? [] : [r.changedBy])))];
        return row ? { content: JSON.parse(row.content) as unknown, authorIds } : null;
      },
    };
  }

  private async contentOf(id: number, version: number, tx?: Transaction): Promise<DeviationContent> {
    const row = await this.models.DeviationVersion.findOne({ where: { deviationId: id, version }, transaction: tx });
    return JSON.parse(row!.content) as DeviationContent;
  }

  private async addVersion(tx: Transaction, ctx: RequestContext, deviationId: number, version: number, content: DeviationContent, reason: string | null): Promise<void> {
    await this.models.DeviationVersion.create({ deviationId, version, content: JSON.stringify(content), changedAt: this.now().toISOString(), changedBy: ctx.actor.userId, changedByName: ctx.actor.name, reason }, { transaction: tx });
  }
}
