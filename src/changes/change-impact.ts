// Impact analysis of a change, computed from the registry: which interfaces it reaches (through the
// platform they run on, a system they touch, or the contract that changes), the contract diff,
// and the regression each one needs — at the depth its risk demands, raised where the triage of a
// release item or a breaking contract change asks for more (Annex 11 §10; vendor release impact
// pattern in REGULATORY.md). "Which interfaces does this release touch" is a query, not a guess.
import { Op, type ModelStatic, type Transaction } from 'sequelize';
import { NotFoundError } from '../platform/errors.js';
import type { ContractService } from '../registry/contract-service.js';
import type { RegistryModels } from '../registry/registry-models.js';
import type { RiskAssessment } from '../risk/assessment-model.js';
import type { RiskResult } from '../risk/risk-model.js';
import { DEPTH_ORDER } from '../scenarios/run-plan.js';
import type { ScenarioModels } from '../scenarios/scenario-models.js';
import { CATEGORIES_BY_DEPTH } from '../scenarios/scenario-schema.js';
import type { ChangeContent } from './change-model.js';
import type { ImpactAnalysis, ImpactedInterface, ProposedRegression } from './change-types.js';

/** The registry's platform records, as the impact analysis reads them. */
export interface PlatformReader {
  findByName(name: string, tx?: Transaction): Promise<{ id: number; key: string; name: string } | null>;
  interfacesOn(platformId: number, tx?: Transaction): Promise<Array<{ id: number; key: string; name: string; riskLevel: string | null; environments: Record<string, string> }>>;
}

export interface ImpactSources {
  registry: Pick<RegistryModels, 'Interface' | 'System'>;
  platforms: PlatformReader;
  contracts: ContractService;
  assessmentModel: ModelStatic<RiskAssessment>;
  scenarioModels: ScenarioModels;
}

/** Ids per IN (…) list. */
const BATCH = 1000;

interface Reached extends ImpactedInterface {
  id: number;
  environments: Record<string, string>;
  currentAssessmentId: number | null;
  currentContractVersion: number | null;
}

export class ChangeImpact {
  constructor(private readonly sources: ImpactSources) {}

  async analyse(content: ChangeContent, now: Date, tx?: Transaction): Promise<ImpactAnalysis> {
    const reached = new Map<string, Reached>();
    const add = (row: Omit<Reached, 'via'>, via: ImpactedInterface['via'][number]) => {
      const known = reached.get(row.key);
      if (known) {
        if (!known.via.includes(via)) known.via.push(via);
      } else reached.set(row.key, { ...row, via: [via] });
    };
    const { Interface, System } = this.sources.registry;
    const asReached = (i: InstanceType<typeof Interface>) => ({
      id: i.id,
      key: i.key,
      name: i.name,
      riskLevel: i.riskLevel ?? null,
      environments: JSON.parse(i.environments) as Record<string, string>,
      currentAssessmentId: i.currentAssessmentId ?? null,
      currentContractVersion: i.currentContractVersion ?? null,
    });

    if (content.platform) {
      const platform = await this.sources.platforms.findByName(content.platform, tx);
      if (!platform) throw new NotFoundError(`No platform '${content.platform}' in the registry.`, 'platform_not_found');
      const on = await this.sources.platforms.interfacesOn(platform.id, tx);
      const rows = on.length ? await Interface.findAll({ where: { id: on.map((i) => i.id) }, transaction: tx ?? null }) : [];
      for (const row of rows) add(asReached(row), 'platform');
    }
    if (content.system) {
      const system = await System.findOne({ where: { name: content.system }, transaction: tx ?? null });
      if (!system) throw new NotFoundError(`No system '${content.system}' in the registry.`, 'system_not_found');
      const rows = await Interface.findAll({ where: { status: { [Op.ne]: 'retired' }, [Op.or]: [{ sourceSystemId: system.id }, { targetSystemId: system.id }] }, transaction: tx ?? null });
      for (const row of rows) add(asReached(row), 'system');
    }
    let contractDiff: ImpactAnalysis['contractDiff'] = null;
    if (content.interface) {
      const row = await Interface.findOne({ where: { key: content.interface }, transaction: tx ?? null });
      if (!row) throw new NotFoundError(`No interface ${content.interface}.`, 'interface_not_found');
      add(asReached(row), content.type === 'contract' ? 'contract' : 'interface');
      const from = Number(content.versionFrom);
      const to = Number(content.versionTo);
      if (content.type === 'contract' && Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0) {
        const diff = await this.sources.contracts.diff(row.key, from, to);
        contractDiff = { from, to, breaking: diff.breaking, changes: diff.changes.map((c) => `${c.breakingFor.length ? `BREAKING for ${c.breakingFor.join(' and ')}` : 'non-breaking'}: ${c.target} ${c.rule}${c.path ? ` at ${c.path}` : ''}`) };
      }
    }

    const interfaces = [...reached.values()].sort((a, b) => a.key.localeCompare(b.key));
    const regression = await this.regressionOf(interfaces, content, contractDiff, tx);
    return {
      computedAt: now.toISOString(),
      interfaces: interfaces.map(({ key, name, riskLevel, via }) => ({ key, name, riskLevel, via })),
      contractDiff,
      regression,
      rationale: null,
    };
  }

  /**
   * The regression of every reached interface, read in three batched queries (their assessments,
   * their scenarios) whatever their number: a platform release may reach thousands.
   */
  private async regressionOf(interfaces: Reached[], content: ChangeContent, contractDiff: ImpactAnalysis['contractDiff'], tx?: Transaction): Promise<ProposedRegression[]> {
    const assessmentIds = interfaces.flatMap((i) => (i.currentAssessmentId === null ? [] : [i.currentAssessmentId]));
    const assessments = new Map<number, { result: RiskResult; modelId: string; modelVersion: string }>();
    for (let start = 0; start < assessmentIds.length; start += BATCH) {
      const rows = await this.sources.assessmentModel.findAll({ attributes: ['id', 'result', 'modelId', 'modelVersion'], where: { id: assessmentIds.slice(start, start + BATCH) }, transaction: tx ?? null, raw: true });
      for (const row of rows) assessments.set(Number(row.id), { result: JSON.parse(row.result) as RiskResult, modelId: row.modelId, modelVersion: row.modelVersion });
    }
    const scenariosOf = new Map<number, Map<string, { category: string; contractVersion: number }>>();
    const ids = interfaces.map((i) => i.id);
    for (let start = 0; start < ids.length; start += BATCH) {
      const rows = await this.sources.scenarioModels.Scenario.findAll({ attributes: ['interfaceId', 'key', 'version', 'category', 'contractVersion'], where: { interfaceId: ids.slice(start, start + BATCH) }, order: [['interfaceId', 'ASC'], ['key', 'ASC'], ['version', 'ASC']], transaction: tx ?? null, raw: true });
      for (const row of rows) {
        let current = scenariosOf.get(Number(row.interfaceId));
        if (!current) scenariosOf.set(Number(row.interfaceId), (current = new Map()));
        current.set(row.key, { category: row.category, contractVersion: Number(row.contractVersion) });
      }
    }
    return interfaces.map((iface) => this.regressionFor(iface, iface.currentAssessmentId === null ? null : (assessments.get(iface.currentAssessmentId) ?? null), scenariosOf.get(iface.id) ?? new Map(), content, contractDiff));
  }

  private regressionFor(
    iface: Reached,
    assessment: { result: RiskResult; modelId: string; modelVersion: string } | null,
    scenarios: Map<string, { category: string; contractVersion: number }>,
    content: ChangeContent,
    contractDiff: ImpactAnalysis['contractDiff'],
  ): ProposedRegression {
    const environment = content.environments.find((e) => e !== 'production' && Object.hasOwn(iface.environments, e)) ?? ('test' in iface.environments ? 'test' : Object.keys(iface.environments)[0] ?? 'test');
    const reasons: string[] = [];
    let depth = 'smoke';
    if (assessment) {
      depth = assessment.result.assurance.testDepth;
      reasons.push(`risk level ${assessment.result.level} (${assessment.modelId} ${assessment.modelVersion}) asks for ${depth} depth`);
    } else reasons.push('not risk-assessed: assess it before the regression can run for record');
    const raise = (to: string, why: string) => {
      if (DEPTH_ORDER.indexOf(to as never) > DEPTH_ORDER.indexOf(depth as never)) {
        depth = to;
        reasons.push(`raised to ${to}: ${why}`);
      }
    };
    const items = content.releaseItems.filter((item) => item.interfaces.includes(iface.key));
    const high = items.filter((i) => i.rating === 'high');
    const medium = items.filter((i) => i.rating === 'medium');
    if (high.length) raise('full', `release item${high.length > 1 ? 's' : ''} ${high.map((i) => i.id).join(', ')} rated High reach it`);
    if (medium.length) raise('scripted-positive', `release item${medium.length > 1 ? 's' : ''} ${medium.map((i) => i.id).join(', ')} rated Medium reach it`);
    if (contractDiff?.breaking && iface.via.includes('contract')) raise('full', 'the contract change is breaking');
    const categories = CATEGORIES_BY_DEPTH[depth] ?? CATEGORIES_BY_DEPTH.full!;
    const selected = [...scenarios].filter(([, s]) => categories.includes(s.category as never) && (iface.currentContractVersion === null || s.contractVersion === iface.currentContractVersion)).map(([key]) => key);
    if (!selected.length) reasons.push(`no ${categories.join('/')} scenario for its current contract: write them before the regression`);
    return { interfaceKey: iface.key, environment, testDepth: depth, categories: [...categories], scenarios: selected, reason: reasons.join('; ') };
  }
}
