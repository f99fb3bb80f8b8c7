// A run's plan, settled when it is queued: which environment, which contract version, which scenarios
// at which depth — the depth the interface's current risk assessment demands (CSA step 3) — and why,
// in words a reviewer reads. When the run's turn comes the plan is checked again: a reassessment or a
// new contract in between makes it stale, and the run is aborted rather than run at the wrong depth.
import { ConflictError, ValidationError } from '../platform/errors.js';
import type { ContractService } from '../registry/contract-service.js';
import type { InterfaceService } from '../registry/interface-service.js';
import type { AssessmentService } from '../risk/assessment-service.js';
import type { RiskResult } from '../risk/risk-model.js';
import type { Run, Scenario } from './scenario-models.js';
import { CATEGORIES_BY_DEPTH } from './scenario-schema.js';
import type { ScenarioService } from './scenario-service.js';

export interface StartRun {
  interface: string;
  environment?: string;
  /** Allowed without a risk assessment; marked as such and never counts as a run for record. */
  dryRun?: boolean;
  /**
   * A depth the run must reach even when the interface's risk asks for less (a change's triage of
   * a vendor release item as High), with the reason in words; never lowers the risk's depth.
   */
  minimumDepth?: { testDepth: string; reason: string };
}

/** Test depths from the shallowest to the deepest. */
export const DEPTH_ORDER = ['smoke', 'scripted-positive', 'full'] as const;

export interface Assurance {
  level: string | null;
  testDepth: string;
  model: { id: string; version: string } | null;
  assessmentId: number | null;
  categories: string[];
  /** When the assessment's periodic review falls due (GAMP 5 periodic review); null for a dry run without one. */
  reviewDue?: string | null;
  /** True when that date had passed as the run was queued: the run is still made, and says so. */
  reviewOverdue?: boolean;
  /** Scenarios at this depth left out because their newest version targets another contract version. */
  notRun?: Array<{ key: string; version: number; category: string; contractVersion: number }>;
  reason: string;
}

/** What a queued run is to do; the runner records it as the run's row. */
export interface RunPlan {
  interface: { id: number; key: string };
  environment: string;
  /** The environment's base URL as registered (`self:/sim/wms` stays a reference: the runner resolves it). */
  baseUrl: string;
  contract: { version: number; digest: string };
  assurance: Assurance;
  scenarios: Scenario[];
}

export class RunPlanner {
  constructor(
    private readonly interfaces: InterfaceService,
    private readonly contracts: ContractService,
    private readonly assessments: AssessmentService,
    private readonly scenarios: ScenarioService,
    private readonly now: () => Date,
  ) {}

  /** The plan of a run asked for, or the reason (a 4xx) it cannot be run at all. */
  async plan(request: StartRun): Promise<RunPlan> {
    const iface = await this.interfaces.get(request.interface);
    if (iface.status === 'retired') throw new ConflictError(`Interface ${iface.key} is retired.`, 'interface_retired');
    const environments = JSON.parse(iface.environments) as Record<string, string>;
    const environment = request.environment ?? ('test' in environments ? 'test' : Object.keys(environments)[0]);
    if (environment === undefined || !Object.hasOwn(environments, environment)) {
      throw new ValidationError(`Interface ${iface.key} has no environment '${request.environment ?? ''}'.`, [{ field: 'body.environment', rule: 'enum', message: `must be one of ${Object.keys(environments).join(', ') || '(none registered)'}` }], 'unknown_environment');
    }
    if (!iface.currentContractVersion) throw new ConflictError(`Interface ${iface.key} has no contract to test against.`, 'no_contract');
    const contract = await this.contracts.get(iface.key, iface.currentContractVersion);
    const assessed = raisedTo(await this.assuranceOf(iface.currentAssessmentId, request.dryRun === true, iface.key), request.minimumDepth);
    const atDepth = (await this.scenarios.current(iface.key)).filter((s) => assessed.categories.includes(s.category));
    const selected = atDepth.filter((s) => s.contractVersion === contract.version);
    // A scenario whose newest version was written for another contract version cannot run against
    // this one; the run names each so a reviewer sees what it did not cover, instead of silence.
    const notRun = atDepth.filter((s) => s.contractVersion !== contract.version).map((s) => ({ key: s.key, version: s.version, category: s.category, contractVersion: s.contractVersion }));
    const assurance: Assurance = notRun.length
      ? { ...assessed, notRun, reason: `${assessed.reason}; not run, written for another contract version than v${contract.version}: ${notRun.map((s) => `${s.key} (v${s.contractVersion})`).join(', ')}` }
      : assessed;
    if (!selected.length) throw new ConflictError(`Interface ${iface.key} has no ${assurance.categories.join('/')} scenarios for contract v${contract.version}.`, 'no_scenarios');
    return { interface: iface, environment, baseUrl: environments[environment]!, contract, assurance, scenarios: selected };
  }

  /**
   * Why a run's plan no longer holds when its turn comes, or null. Depth and contract are fixed when a
   * run is queued; if the interface was reassessed or given a new contract while it waited, running
   * the old plan for record would test at a depth the current risk no longer asks for (CSA).
   */
  async stalePlan(run: Run): Promise<string | null> {
    const iface = await this.interfaces.get(run.interfaceKey);
    const planned = (JSON.parse(run.assurance) as Assurance).assessmentId;
    if (!run.dryRun && iface.currentAssessmentId !== planned) return `the interface was reassessed while the run was queued (assessment ${iface.currentAssessmentId ?? 'none'} replaced ${planned ?? 'none'}), so its depth no longer holds; start it again`;
    if (iface.currentContractVersion !== run.contractVersion) return `contract v${iface.currentContractVersion ?? '?'} replaced v${run.contractVersion} while the run was queued; start it again`;
    return null;
  }

  private async assuranceOf(assessmentId: number | null, dryRun: boolean, key: string): Promise<Assurance> {
    if (assessmentId === null) {
      if (!dryRun) throw new ConflictError(`Interface ${key} has no risk assessment, so it cannot be run for record; a dry run is allowed.`, 'not_assessed');
      return { level: null, testDepth: 'full', model: null, assessmentId: null, categories: CATEGORIES_BY_DEPTH.full!, reason: 'dry run without a risk assessment: every scenario, not for record' };
    }
    const assessment = await this.assessments.get(assessmentId);
    const result = JSON.parse(assessment.result) as RiskResult;
    const categories = CATEGORIES_BY_DEPTH[result.assurance.testDepth] ?? CATEGORIES_BY_DEPTH.full!;
    const reviewOverdue = assessment.reviewDue !== null && assessment.reviewDue < this.now().toISOString();
    return {
      level: result.level,
      testDepth: result.assurance.testDepth,
      model: { id: assessment.modelId, version: assessment.modelVersion },
      assessmentId,
      categories,
      reviewDue: assessment.reviewDue,
      reviewOverdue,
      reason: `assurance level ${result.level} (${assessment.modelId} ${assessment.modelVersion}, assessment ${assessmentId}): ${result.assurance.testDepth} depth runs ${categories.join(', ')} scenarios${reviewOverdue ? `; the assessment's periodic review was due ${assessment.reviewDue!.slice(0, 10)} and is overdue` : ''}${dryRun ? '; dry run, not for record' : ''}`,
    };
  }
}

/** The assurance at least as deep as `minimum` asks, saying so in its reason. */
function raisedTo(assurance: Assurance, minimum: StartRun['minimumDepth']): Assurance {
  if (!minimum) return assurance;
  const wanted = DEPTH_ORDER.indexOf(minimum.testDepth as (typeof DEPTH_ORDER)[number]);
  if (wanted < 0) throw new ValidationError(`'${minimum.testDepth}' is not a test depth.`, [{ field: 'body.minimumDepth', rule: 'enum', message: `must be one of ${DEPTH_ORDER.join(', ')}` }], 'invalid_depth');
  if (wanted <= DEPTH_ORDER.indexOf(assurance.testDepth as (typeof DEPTH_ORDER)[number])) return assurance;
  const categories = CATEGORIES_BY_DEPTH[minimum.testDepth]!;
  return { ...assurance, testDepth: minimum.testDepth, categories, reason: `${assurance.reason}; raised to ${minimum.testDepth} depth (${categories.join(', ')}): ${minimum.reason}` };
}
