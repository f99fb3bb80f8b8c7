// Risk assessments per interface (optionally per message type or function): the answers, the
// model's id, version and digest, the computed result and the answers that drove it, who assessed
// and when. Insert-only; a new assessment supersedes the previous one of the same scope and sets
// the interface's assurance level and next review date (GAMP 5 periodic review, CSA step 3).
import type { ModelStatic, Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { InterfaceService } from '../registry/interface-service.js';
import { numericRecordId, type SignableRecordType } from '../signatures/signature-service.js';
import type { RiskAssessment } from './assessment-model.js';
import type { RiskModelRegistry } from './risk-model-registry.js';
import { evaluate, type Answers, type RiskResult } from './risk-model.js';

export interface NewAssessment {
  modelId: string;
  answers: Answers;
  scope?: string;
  notes?: string;
}

export class AssessmentService {
  constructor(
    private readonly database: Database,
    private readonly model: ModelStatic<RiskAssessment>,
    private readonly interfaces: InterfaceService,
    private readonly riskModels: RiskModelRegistry,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async assess(ctx: RequestContext, interfaceKey: string, input: NewAssessment): Promise<RiskAssessment> {
    const { model, digest } = this.riskModels.get(input.modelId);
    const result = evaluate(model, input.answers);
    return this.database.write(async (tx) => {
      const iface = await this.interfaces.locked(tx, interfaceKey);
      if (iface.status === 'retired') throw new ConflictError(`Interface ${interfaceKey} is retired: it is no longer assessed.`, 'interface_retired');
      const scope = input.scope?.trim() ?? '';
      const messageTypes = JSON.parse(iface.messageTypes) as string[];
      if (scope !== '' && !messageTypes.includes(scope)) {
        throw new ValidationError(`'${scope}' is not a message type of ${interfaceKey}.`, [{ field: 'body.scope', rule: 'enum', message: `must be one of ${messageTypes.join(', ') || '(none registered)'}` }], 'unknown_scope');
      }
      const previous = await this.model.findOne({ where: { interfaceId: iface.id, scope }, order: [['id', 'DESC']], transaction: tx });
      const assessedAt = this.now();
      const row = await this.model.create(
        {
          interfaceId: iface.id,
          scope,
          modelId: model.id,
          modelVersion: model.version,
          modelDigest: digest,
          answers: JSON.stringify(input.answers),
          result: JSON.stringify(result),
          notes: input.notes?.trim() || null,
          assessedBy: ctx.actor.userId,
          assessedByName: ctx.actor.name,
          assessedAt: assessedAt.toISOString(),
          reviewDue: addMonths(assessedAt, result.assurance.reassessmentMonths).toISOString(),
          supersedesId: previous?.id ?? null,
        },
        { transaction: tx },
      );
      if (scope === '') await this.interfaces.setCurrentAssessment(tx, iface.id, { id: row.id, level: result.level, reviewDue: row.reviewDue });
      await this.audit.record(tx, ctx, {
        action: 'risk_assessment.created',
        entityType: 'risk-assessment',
        entityId: row.id,
        change: 'create',
        after: { interface: interfaceKey, scope, model: { id: model.id, version: model.version, digest }, answers: input.answers, level: result.level, supersedes: row.supersedesId },
        // The interface takes the new level and review date in the same change.
        states: [{ type: 'interface', id: iface.key }],
      });
      return row;
    });
  }

  /** Every assessment of an interface, newest first. */
  async history(interfaceKey: string): Promise<RiskAssessment[]> {
    const iface = await this.interfaces.get(interfaceKey);
    return this.model.findAll({ where: { interfaceId: iface.id }, order: [['id', 'DESC']] });
  }

  async get(id: number, tx?: Transaction): Promise<RiskAssessment> {
    const row = await this.model.findByPk(id, { transaction: tx });
    if (!row) throw new NotFoundError(`No risk assessment ${id}.`, 'risk_assessment_not_found');
    return row;
  }

  /** Assessments are Part 11 records: authored by the assessor, plus what the assurance level asks. */
  signableRecordType(): SignableRecordType {
    const load = async (recordId: string, tx?: Transaction) => {
      const id = numericRecordId(recordId);
      return id === null ? null : this.model.findByPk(id, { transaction: tx });
    };
    return {
      type: 'risk-assessment',
      meanings: { authored: ['qa'], reviewed: ['it', 'qa'], approved: ['qa'] },
      required: ['authored'],
      additionalRequirements: async (recordId, _version, tx) => {
        const row = await load(recordId, tx);
        if (!row) return [];
        const result = JSON.parse(row.result) as RiskResult;
        return result.assurance.requiredSignatures.map((s) => ({ ...s, source: `assurance level ${result.level} (${row.modelId} ${row.modelVersion})` }));
      },
      // Assessments never change: each is its own record with a single version.
      currentVersion: async (recordId, tx) => ((await load(recordId, tx)) ? 1 : null),
      loadVersion: async (recordId, version, tx) => {
        const row = version === 1 ? await load(recordId, tx) : null;
        return row ? { content: signedContentOf(row), authorIds: row.assessedBy === null ? [] : [row.assessedBy] } : null;
      },
    };
  }
}

/** What a signature on an assessment binds: everything the assessor decided, nothing derived later. */
function signedContentOf(row: RiskAssessment) {
  return {
    interfaceId: row.interfaceId,
    scope: row.scope,
    model: { id: row.modelId, version: row.modelVersion, digest: row.modelDigest },
    answers: JSON.parse(row.answers) as unknown,
    result: JSON.parse(row.result) as unknown,
    notes: row.notes,
    assessedBy: row.assessedBy,
    assessedAt: row.assessedAt,
    reviewDue: row.reviewDue,
  };
}

function addMonths(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  result.setUTCMonth(result.getUTCMonth() + months);
  return result;
}
