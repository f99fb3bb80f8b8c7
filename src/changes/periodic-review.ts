// The periodic review list (GAMP 5 periodic review; Annex 11 §11: computerised systems are
// periodically evaluated to confirm they remain in a valid state): interfaces whose risk assessment
// is due for review or whose last validation is older than their assurance level allows, interfaces
// in GxP use that were never validated, and open changes past their planned date.
import { Op, type ModelStatic } from 'sequelize';
import type { PackageModels } from '../packages/package-model.js';
import { scopeOf } from '../packages/package-model.js';
import type { RegistryModels } from '../registry/registry-models.js';
import type { RiskAssessment } from '../risk/assessment-model.js';
import type { RiskResult } from '../risk/risk-model.js';
import { CLOSED_STATES, type ChangeState } from './change-types.js';

/** The open changes, as the change service lists them (wired at the composition root). */
export interface OpenChangeSource {
  listOpen(): Promise<Array<{ id: number; key: string; title: string; state: string; plannedDate: string }>>;
}

export type ReviewReasonKind = 'assessment_review_due' | 'validation_outdated' | 'never_validated';

export interface ReviewReason {
  kind: ReviewReasonKind;
  /** When the reviewed thing happened: the assessment, or the approval of the last validation package. */
  since: string | null;
  /** When its review fell due. */
  dueSince: string | null;
  message: string;
}

export interface PeriodicReviewList {
  asOf: string;
  interfaces: Array<{ key: string; name: string; riskLevel: string | null; reasons: ReviewReason[] }>;
  changes: Array<{ id: number; key: string; title: string; state: string; plannedDate: string; daysOverdue: number }>;
}

export interface PeriodicReviewSources {
  registry: Pick<RegistryModels, 'Interface'>;
  assessments: ModelStatic<RiskAssessment>;
  packages: Pick<PackageModels, 'ValidationPackage'>;
}

/** The last validation of an interface: the newest approval of a package whose scope holds it. */
interface LastValidation {
  approvedAt: string;
  packageKey: string;
  version: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 500;

export class PeriodicReview {
  private changes: OpenChangeSource = { listOpen: async () => [] };

  constructor(
    private readonly sources: PeriodicReviewSources,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Where the open changes come from: the change service, wired at the composition root. */
  useOpenChanges(changes: OpenChangeSource): void {
    this.changes = changes;
  }

  async list(): Promise<PeriodicReviewList> {
    const now = this.now();
    const asOf = now.toISOString();
    const [interfaces, changes] = await Promise.all([this.interfacesDue(asOf), this.changesOverdue(now)]);
    return { asOf, interfaces, changes };
  }

  /**
   * Live (not retired) interfaces that need a review, by key. A draft interface is not in use yet
   * and a non-GxP one needs no validation (Annex 11 scope), so neither is listed as never validated.
   */
  private async interfacesDue(asOf: string): Promise<PeriodicReviewList['interfaces']> {
    const rows = await this.sources.registry.Interface.findAll({
      attributes: ['key', 'name', 'status', 'gxpRelevant', 'riskLevel', 'reviewDue', 'currentAssessmentId'],
      where: { status: { [Op.ne]: 'retired' } },
      order: [['key', 'ASC']],
    });
    const validations = await this.lastValidations();
    const assessments = await this.assessmentsOf(rows.map((row) => row.currentAssessmentId).filter((id): id is number => id !== null));
    const due: PeriodicReviewList['interfaces'] = [];
    for (const row of rows) {
      const reasons: ReviewReason[] = [];
      const assessment = row.currentAssessmentId === null ? undefined : assessments.get(row.currentAssessmentId);
      if (row.reviewDue !== null && row.reviewDue < asOf) {
        const assessed = assessment?.assessedAt ?? null;
        reasons.push({
          kind: 'assessment_review_due',
          since: assessed,
          dueSince: row.reviewDue,
          message: `The risk assessment${assessed ? ` of ${day(assessed)}` : ''} was due for review on ${day(row.reviewDue)}.`,
        });
      }
      const validation = validations.get(row.key);
      if (validation) {
        const months = assessment?.reassessmentMonths;
        const expires = months === undefined ? null : addMonths(new Date(validation.approvedAt), months).toISOString();
        if (expires !== null && expires < asOf) {
          reasons.push({
            kind: 'validation_outdated',
            since: validation.approvedAt,
            dueSince: expires,
            message: `Last validated by ${validation.packageKey} v${validation.version}, approved ${day(validation.approvedAt)}; risk level ${row.riskLevel} asks for re-validation every ${months} months (due ${day(expires)}).`,
          });
        }
      } else if (row.status === 'active' && row.gxpRelevant) {
        reasons.push({ kind: 'never_validated', since: null, dueSince: null, message: 'In GxP use, but no approved validation package covers it.' });
      }
      if (reasons.length) due.push({ key: row.key, name: row.name, riskLevel: row.riskLevel ?? null, reasons });
    }
    return due;
  }

  /**
   * Per interface key, the newest approved package whose scope holds it. Superseded packages count:
   * they were approved, and a newer version that left the interface out of scope did not validate it.
   */
  private async lastValidations(): Promise<Map<string, LastValidation>> {
    const packages = await this.sources.packages.ValidationPackage.findAll({
      attributes: ['key', 'version', 'scope', 'approvedAt'],
      where: { approvedAt: { [Op.ne]: null } },
    });
    const last = new Map<string, LastValidation>();
    for (const pkg of packages) {
      const approvedAt = pkg.approvedAt!;
      for (const entry of scopeOf(pkg)) {
        const known = last.get(entry.interfaceKey);
        if (!known || known.approvedAt < approvedAt) last.set(entry.interfaceKey, { approvedAt, packageKey: pkg.key, version: pkg.version });
      }
    }
    return last;
  }

  /**
   * The current assessments: when each was made, and the re-assessment period of the level it gave,
   * as the assessment recorded it (the level of the model version used, not of a later edit).
   */
  private async assessmentsOf(ids: number[]): Promise<Map<number, { assessedAt: string; reassessmentMonths: number | undefined }>> {
    const found = new Map<number, { assessedAt: string; reassessmentMonths: number | undefined }>();
    for (let start = 0; start < ids.length; start += BATCH) {
      const rows = await this.sources.assessments.findAll({ attributes: ['id', 'assessedAt', 'result'], where: { id: ids.slice(start, start + BATCH) } });
      for (const row of rows) {
        const months = (JSON.parse(row.result) as Partial<RiskResult>).assurance?.reassessmentMonths;
        found.set(row.id, { assessedAt: row.assessedAt, reassessmentMonths: typeof months === 'number' ? months : undefined });
      }
    }
    return found;
  }

  /** Open changes whose planned date has passed (the planned day itself is not late yet), latest first. */
  private async changesOverdue(now: Date): Promise<PeriodicReviewList['changes']> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const open = await this.changes.listOpen();
    return open
      .filter((change) => !CLOSED_STATES.includes(change.state as ChangeState))
      .map((change) => ({ ...change, daysOverdue: Math.round((today - Date.parse(`${change.plannedDate}T00:00:00Z`)) / DAY_MS) }))
      .filter((change) => change.daysOverdue > 0)
      .sort((a, b) => b.daysOverdue - a.daysOverdue || a.key.localeCompare(b.key))
      .map(({ id, key, title, state, plannedDate, daysOverdue }) => ({ id, key, title, state, plannedDate, daysOverdue }));
  }
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** As the assessment service sets a review date: the same day of the month, months later (UTC). */
function addMonths(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  result.setUTCMonth(result.getUTCMonth() + months);
  return result;
}
