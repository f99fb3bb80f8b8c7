// Change control (Annex 11 §10; Part 11 §11.10(f)(k)): a vendor release, configuration, contract,
// new interface or retirement, logged by IT, assessed against the registry, approved for testing
// by QA, regression-tested, approved for implementation by QA, implemented and closed. The state
// machine refuses every out-of-order step, naming the allowed ones; each step is a new version of
// the record (change_versions) and an audit event; the three QA steps are electronic signatures.
import type { Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type ErrorDetail } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { InterfaceService } from '../registry/interface-service.js';
import type { RegistryModels } from '../registry/registry-models.js';
import type { AssessmentService } from '../risk/assessment-service.js';
import type { RiskResult } from '../risk/risk-model.js';
import type { DeviationService } from '../scenarios/deviation-service.js';
import type { RunService } from '../scenarios/run-service.js';
import type { Run } from '../scenarios/scenario-models.js';
import { numericRecordId, type SignableRecordType, type SignatureRequirement, type SignatureService } from '../signatures/signature-service.js';
import type { Signature } from '../signatures/signature-model.js';
import type { ChangeImpact, PlatformReader } from './change-impact.js';
import { contentOf, type ChangeContent, type ChangeModels, type ChangeRecord, type ChangeVersion } from './change-model.js';
import { CLOSED_STATES, type ChangeState, type ImpactAnalysis, type NewChange, type TriageRating } from './change-types.js';
import { assertOneOf, checkedDate, invalidTransition, NEXT, SIGNED_STEP } from './change-workflow.js';

export interface TransitionRequest {
  to: ChangeState;
  reason: string;
  /** Implementation: the version now in production and when it went live (YYYY-MM-DD). */
  implementedVersion?: string;
  implementedAt?: string;
}

export interface ChangeEdits {
  title?: string;
  description?: string;
  justification?: string;
  plannedDate?: string;
  environments?: string[];
  releaseNotes?: string[];
}

export interface TriageDecision {
  id: string;
  rating: TriageRating;
  rationale: string;
  /** Interfaces a High or Medium item reaches (default: every interface the change reaches). */
  interfaces?: string[];
}

/** An edit of the computed impact, with its rationale (the analysis is "editable with a rationale"). */
export interface ImpactEdit {
  rationale: string;
  /** Interfaces to leave out of the regression, each with the rationale above. */
  exclude?: string[];
  /** Test depth per interface, where a person decides deeper testing. */
  depth?: Record<string, 'smoke' | 'scripted-positive' | 'full'>;
  /** Environment per interface to run the regression against. */
  environment?: Record<string, string>;
}

export interface PlatformWriter extends PlatformReader {
  list(): Promise<Array<{ name: string }>>;
  setVersion(ctx: RequestContext, platformKey: string, environment: string, version: string, reason: string, tx?: Transaction): Promise<unknown>;
}

export class ChangeService {
  constructor(
    private readonly database: Database,
    private readonly models: ChangeModels,
    private readonly registry: Pick<RegistryModels, 'Interface' | 'System'>,
    private readonly platforms: PlatformWriter,
    private readonly interfaces: InterfaceService,
    private readonly assessments: AssessmentService,
    private readonly impact: ChangeImpact,
    private readonly runs: RunService,
    private readonly deviations: DeviationService,
    private readonly signatures: SignatureService,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(filter: { state?: ChangeState; open?: boolean } = {}): Promise<ChangeRecord[]> {
    const rows = await this.models.ChangeRecord.findAll({ where: filter.state ? { state: filter.state } : {}, order: [['id', 'DESC']], limit: 1000 });
    return filter.open ? rows.filter((r) => !CLOSED_STATES.includes(r.state)) : rows;
  }

  /** Open changes, for the periodic review list (those past their planned date are overdue). */
  async listOpen(): Promise<Array<{ id: number; key: string; title: string; state: string; plannedDate: string }>> {
    return (await this.list({ open: true })).map((r) => ({ id: r.id, key: r.key, title: contentOf(r).title, state: r.state, plannedDate: r.plannedDate }));
  }

  async get(id: number, tx?: Transaction): Promise<ChangeRecord> {
    const row = await this.models.ChangeRecord.findByPk(id, { transaction: tx ?? null });
    if (!row) throw new NotFoundError(`No change record ${id}.`, 'change_not_found');
    return row;
  }

  /** A change named by its id or its key (CR-0001), as the CLI takes it. */
  async byIdOrKey(text: string): Promise<ChangeRecord> {
    const row = /^[1-9]\d{0,9}$/.test(text) ? await this.models.ChangeRecord.findByPk(Number(text)) : await this.models.ChangeRecord.findOne({ where: { key: text } });
    if (!row) throw new NotFoundError(`No change record ${text}.`, 'change_not_found');
    return row;
  }

  async versions(id: number): Promise<ChangeVersion[]> {
    return this.models.ChangeVersion.findAll({ where: { changeId: id }, order: [['version', 'ASC']] });
  }

  /** Logs a change: its references checked against the registry (Annex 11 §10). */
  async log(ctx: RequestContext, input: NewChange): Promise<ChangeRecord> {
    return this.database.write(async (tx) => (await this.logAll(tx, ctx, [input], 'body'))[0]!);
  }

  /** Logs every change of a release calendar, or none: each problem named with its row. */
  async logMany(ctx: RequestContext, inputs: NewChange[]): Promise<ChangeRecord[]> {
    return this.database.write((tx) => this.logAll(tx, ctx, inputs, 'releases'));
  }

  /** Names of the platforms the registry knows (a release calendar must name one of them). */
  async platformNames(): Promise<Set<string>> {
    return new Set((await this.platforms.list()).map((p) => p.name));
  }

  async update(ctx: RequestContext, id: number, edits: ChangeEdits, reason: string): Promise<ChangeRecord> {
    return this.write(ctx, id, reason, 'change.updated', (content) => {
      assertOneOf(content, ['logged', 'assessed'], 'edited');
      const after = { ...content };
      if (edits.title !== undefined) after.title = edits.title.trim();
      if (edits.description !== undefined) after.description = edits.description.trim();
      if (edits.justification !== undefined) after.justification = edits.justification.trim();
      if (edits.plannedDate !== undefined) after.plannedDate = checkedDate(edits.plannedDate, 'body.plannedDate');
      if (edits.environments !== undefined) after.environments = edits.environments;
      if (edits.releaseNotes !== undefined) after.releaseNotes = [...new Set([...content.releaseNotes, ...edits.releaseNotes])];
      return after;
    });
  }

  /** Rates release items (High/Medium/Low/N/A) with a rationale; High and Medium name the interfaces they reach. */
  async triage(ctx: RequestContext, id: number, decisions: TriageDecision[], reason: string): Promise<ChangeRecord> {
    return this.write(ctx, id, reason, 'change.triaged', async (content, tx) => {
      assertOneOf(content, ['logged', 'assessed'], 'triaged');
      const impact = content.impact ?? (await this.impact.analyse(content, this.now(), tx));
      const reached = new Set(impact.interfaces.map((i) => i.key));
      const problems: ErrorDetail[] = [];
      const items = content.releaseItems.map((item) => ({ ...item }));
      decisions.forEach((decision, index) => {
        const item = items.find((i) => i.id === decision.id);
        if (!item) return problems.push({ field: `body.items.${index}.id`, rule: 'exists', message: `no release item '${decision.id}' in this change` });
        const named = decision.interfaces ?? (decision.rating === 'high' || decision.rating === 'medium' ? [...reached] : []);
        const unknown = named.filter((k) => !reached.has(k));
        if (unknown.length) return problems.push({ field: `body.items.${index}.interfaces`, rule: 'impact', message: `not reached by this change: ${unknown.join(', ')}` });
        Object.assign(item, { rating: decision.rating, rationale: decision.rationale.trim(), interfaces: named });
        return undefined;
      });
      if (problems.length) throw new ValidationError('The triage names items or interfaces this change does not have.', problems, 'invalid_triage');
      const after = { ...content, releaseItems: items };
      // The proposed regression follows the triage: recomputed, keeping a person's edits out of it.
      if (content.state === 'assessed') after.impact = { ...(await this.impact.analyse(after, this.now(), tx)), rationale: null };
      return after;
    });
  }

  /** The impact as the registry gives it now (a preview; assessing the change freezes it). */
  async analyseImpact(id: number): Promise<ImpactAnalysis> {
    return this.impact.analyse(contentOf(await this.get(id)), this.now());
  }

  /** A person's edit of the frozen impact, with a rationale: interfaces left out, depth or environment set. */
  async editImpact(ctx: RequestContext, id: number, edit: ImpactEdit): Promise<ChangeRecord> {
    return this.write(ctx, id, edit.rationale, 'change.impact_edited', (content) => {
      assertOneOf(content, ['assessed'], 'given an edited impact');
      const impact = content.impact!;
      const keys = new Set(impact.interfaces.map((i) => i.key));
      const problems: ErrorDetail[] = [];
      for (const [field, list] of [['exclude', edit.exclude ?? []], ['depth', Object.keys(edit.depth ?? {})], ['environment', Object.keys(edit.environment ?? {})]] as const) {
        for (const key of list) if (!keys.has(key)) problems.push({ field: `body.${field}.${key}`, rule: 'impact', message: `${key} is not reached by this change` });
      }
      if (problems.length) throw new ValidationError('The edit names interfaces this change does not reach.', problems, 'invalid_impact_edit');
      const regression = impact.regression
        .filter((r) => !(edit.exclude ?? []).includes(r.interfaceKey))
        .map((r) => ({
          ...r,
          testDepth: edit.depth?.[r.interfaceKey] ?? r.testDepth,
          environment: edit.environment?.[r.interfaceKey] ?? r.environment,
          reason: edit.depth?.[r.interfaceKey] || edit.environment?.[r.interfaceKey] ? `${r.reason}; edited: ${edit.rationale.trim()}` : r.reason,
        }));
      return { ...content, impact: { ...impact, regression, rationale: edit.rationale.trim() } };
    });
  }

  /**
   * A plain step of the state machine (§11.10(f)); the QA steps are signatures, and a transition
   * out of order is refused naming the allowed next steps. Rejection and cancellation from any open
   * state need a reason.
   */
  async transition(ctx: RequestContext, id: number, request: TransitionRequest): Promise<ChangeRecord> {
    return this.write(ctx, id, request.reason, 'change.transitioned', async (content, tx, row) => {
      const from = content.state;
      if (CLOSED_STATES.includes(from)) throw new ConflictError(`Change ${content.key} is ${from}: it takes no more steps.`, 'change_closed');
      if (request.to === 'rejected' || request.to === 'cancelled') {
        if (request.to === 'rejected' && ctx.actor.role !== 'qa') throw new ForbiddenError('Only QA rejects a change; IT may cancel its own.', 'role_cannot_reject');
        return { ...content, state: request.to, stateReason: request.reason.trim() };
      }
      const step = NEXT[from].find((s) => s.to === request.to);
      if (!step) throw invalidTransition(content);
      if (step.by === 'signature') {
        const signed = SIGNED_STEP[from]!;
        throw new ConflictError(`'${request.to}' is given by QA's electronic signature: sign version ${row.currentVersion} of change ${content.key} as '${signed.meaning}' (POST /api/v1/signatures, recordType change).`, 'signature_required');
      }
      if (ctx.actor.role === 'auditor' || ctx.actor.role === 'admin') throw new ForbiddenError('Only IT and QA move a change.', 'role_cannot_transition');
      if (request.to === 'assessed') {
        const untriaged = content.releaseItems.filter((i) => i.rating === null);
        if (untriaged.length) throw new ConflictError(`Triage every release item first: ${untriaged.map((i) => i.id).join(', ')}.`, 'triage_incomplete');
        return { ...content, state: 'assessed', impact: await this.impact.analyse(content, this.now(), tx) };
      }
      if (request.to === 'tested') {
        const pending = await this.regressionGaps(content);
        if (pending.length) throw new ConflictError(`The regression is not complete: ${pending.join('; ')}.`, 'regression_incomplete');
        return { ...content, state: 'tested' };
      }
      // implemented: the version now in production, applied to the registry through the change.
      if (!request.implementedVersion || !request.implementedAt) {
        throw new ValidationError('Implementation records the version now in production and its date.', [
          ...(request.implementedVersion ? [] : [{ field: 'body.implementedVersion', rule: 'required', message: 'the version in production' }]),
          ...(request.implementedAt ? [] : [{ field: 'body.implementedAt', rule: 'required', message: 'the production date (YYYY-MM-DD)' }]),
        ], 'implementation_incomplete');
      }
      const implementedAt = checkedDate(request.implementedAt, 'body.implementedAt');
      return this.implement(ctx, tx, { ...content, state: 'implemented', implementedVersion: request.implementedVersion.trim(), implementedAt }, request.reason);
    });
  }

  /**
   * Runs the proposed regression of every affected interface against its environment and links the
   * runs to the change (queued now; `wait` runs them here, with progress). Refused as a whole when
   * an interface lacks the environment asked for.
   */
  async runRegression(ctx: RequestContext, id: number, options: { environment?: string; wait?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<Run[]> {
    const row = await this.get(id);
    const content = contentOf(row);
    assertOneOf(content, ['approved-for-testing'], 'regression-tested');
    const plan = content.impact!.regression;
    if (!plan.length) throw new ConflictError(`Change ${content.key} reaches no interface: there is nothing to regression-test.`, 'no_regression');
    const problems: ErrorDetail[] = [];
    for (const entry of plan) {
      const iface = await this.interfaces.get(entry.interfaceKey);
      const environment = options.environment ?? entry.environment;
      if (iface.status === 'retired') problems.push({ field: `interfaces.${entry.interfaceKey}`, rule: 'active', message: `${entry.interfaceKey} is retired` });
      else if (!Object.hasOwn(JSON.parse(iface.environments) as object, environment)) problems.push({ field: 'body.environment', rule: 'enum', message: `${entry.interfaceKey} has no environment '${environment}'` });
    }
    if (problems.length) throw new ValidationError('The regression cannot run as asked: nothing was started.', problems, 'unknown_environment');
    const started: Run[] = [];
    let done = 0;
    for (const entry of plan) {
      const request = { interface: entry.interfaceKey, environment: options.environment ?? entry.environment, minimumDepth: { testDepth: entry.testDepth, reason: `regression of change ${content.key}: ${entry.reason}` } };
      const run = options.wait ? await this.runs.runToEnd(ctx, request) : await this.runs.start(ctx, request);
      started.push(run);
      await this.write(ctx, id, `regression run ${run.id} of ${entry.interfaceKey}`, 'change.run_linked', (current) => ({ ...current, runs: [...current.runs, run.id] }));
      options.onProgress?.((done += 1), plan.length);
    }
    return started;
  }

  /** Why the change may not be implemented yet, or none (the pipeline gate, like can-i-deploy). */
  async implementationBlockers(id: number): Promise<string[]> {
    const content = contentOf(await this.get(id));
    if (content.state === 'approved-for-implementation' || content.state === 'implemented' || content.state === 'closed') return [];
    const blockers = [`change ${content.key} is ${content.state}, not approved for implementation`];
    if (['approved-for-testing', 'tested'].includes(content.state)) blockers.push(...(await this.regressionGaps(content)), ...(await this.unresolvedFailures(content)));
    return blockers;
  }

  /** `change`: QA's approvals are signatures on the version they approve; each one moves the change on. */
  signableRecordType(): SignableRecordType {
    const load = async (recordId: string, tx?: Transaction) => {
      const id = numericRecordId(recordId);
      return id === null ? null : this.models.ChangeRecord.findByPk(id, { transaction: tx ?? null });
    };
    const versionOf = async (recordId: string, version: number, tx?: Transaction) => {
      const id = numericRecordId(recordId);
      return id === null ? null : this.models.ChangeVersion.findOne({ where: { changeId: id, version }, transaction: tx ?? null });
    };
    return {
      type: 'change',
      meanings: { reviewed: ['it', 'qa'], approved: ['qa'], verified: ['qa'] },
      required: [],
      additionalRequirements: async (recordId, version, tx) => {
        const stored = await versionOf(recordId, version, tx);
        return stored ? this.requiredSignatures(JSON.parse(stored.content) as ChangeContent, tx) : [];
      },
      refusal: (content, meaning) => {
        const state = (content as ChangeContent).state;
        if (meaning === 'approved' && state !== 'assessed' && state !== 'tested') return `A change is approved when assessed (for testing) or tested (for implementation); this version is ${state}.`;
        if (meaning === 'verified' && state !== 'implemented') return `A change is verified once implemented; this version is ${state}.`;
        return null;
      },
      currentVersion: async (recordId, tx) => (await load(recordId, tx))?.currentVersion ?? null,
      loadVersion: async (recordId, version, tx) => {
        const [row, stored] = [await load(recordId, tx), await versionOf(recordId, version, tx)];
        return row && stored ? { content: JSON.parse(stored.content) as unknown, authorIds: JSON.parse(row.contributors) as number[] } : null;
      },
      onSigned: (tx, ctx, signature) => this.afterSignature(tx, ctx, signature),
    };
  }

  /** The signatures a version needs: QA's step, and what the risk of the interfaces it reaches asks. */
  private async requiredSignatures(content: ChangeContent, tx?: Transaction): Promise<SignatureRequirement[]> {
    const step = SIGNED_STEP[content.state];
    if (!step) return [];
    const required: SignatureRequirement[] = [{ meaning: step.meaning, roles: ['qa'], source: `QA's step from ${content.state} (change control)` }];
    if (step.meaning === 'approved') {
      for (const requirement of await this.riskSignatures(content, tx)) if (!required.some((r) => r.meaning === requirement.meaning)) required.push(requirement);
    }
    return required;
  }

  /** The signatures the highest assurance level among the reached interfaces requires (the risk model's). */
  private async riskSignatures(content: ChangeContent, tx?: Transaction): Promise<SignatureRequirement[]> {
    const out: SignatureRequirement[] = [];
    for (const reached of content.impact?.interfaces ?? []) {
      const iface = await this.registry.Interface.findOne({ where: { key: reached.key }, transaction: tx ?? null });
      if (!iface?.currentAssessmentId) continue;
      const assessment = await this.assessments.get(iface.currentAssessmentId, tx);
      const result = JSON.parse(assessment.result) as RiskResult;
      for (const s of result.assurance.requiredSignatures) {
        if (!out.some((r) => r.meaning === s.meaning)) out.push({ meaning: s.meaning, roles: [...s.roles], source: `assurance level ${result.level} of ${iface.key} (${assessment.modelId} ${assessment.modelVersion})` });
      }
    }
    return out;
  }

  /** A QA step's signature moves the change on, in the signature's own transaction, once nothing else is missing. */
  private async afterSignature(tx: Transaction, ctx: RequestContext, signature: Signature): Promise<void> {
    const row = await this.get(Number(signature.recordId), tx);
    const content = contentOf(row);
    const step = SIGNED_STEP[content.state];
    if (!step || signature.meaning !== step.meaning) return;
    const status = await this.signatures.signOffStatus('change', signature.recordId, signature.recordVersion, tx);
    const missing = status.requirements.filter((r) => r.signatureId === null && r.meaning !== step.meaning);
    if (missing.length) throw new ConflictError(`Before QA's '${step.meaning}': ${missing.map((m) => `'${m.meaning}' by ${m.roles.join(' or ')} (${m.source})`).join('; ')}.`, 'signature_missing');
    if (step.to === 'approved-for-implementation') {
      const failures = await this.unresolvedFailures(content);
      if (failures.length) throw new ConflictError(`Not approved for implementation: ${failures.join('; ')}.`, 'unresolved_failures');
    }
    const after: ChangeContent = { ...content, state: step.to, ...(step.to === 'closed' ? { closedAt: this.now().toISOString() } : {}) };
    await this.saveVersion(tx, ctx, row, after, `${signature.meaning} by ${signature.signerName} (signature ${signature.id})`);
    await this.audit.record(tx, ctx, { action: 'change.transitioned', entityType: 'change', entityId: row.id, change: 'status', before: { state: content.state }, after: { state: step.to, signatureId: signature.id, version: row.currentVersion }, reason: signature.reason });
  }

  /** Failed or errored regression runs without a closed deviation on every failed step. */
  private async unresolvedFailures(content: ChangeContent): Promise<string[]> {
    const problems: string[] = [];
    for (const runId of content.runs) {
      const run = await this.runs.get(runId);
      if (run.status === 'passed' || run.status === 'queued' || run.status === 'running') continue;
      const failed = (await this.runs.steps(runId)).filter((s) => s.status !== 'passed');
      const deviations = await this.deviations.list({ runId });
      for (const step of failed.length ? failed : [{ position: 0, name: run.status }]) {
        const covered = [];
        for (const d of deviations.filter((d) => d.stepPosition === step.position)) if (await this.deviations.isClosed(d)) covered.push(d);
        if (!covered.length) problems.push(`run ${runId} (${run.interfaceKey}) step ${step.position} ${step.name}: no closed deviation`);
      }
    }
    return problems;
  }

  /** Affected interfaces of the proposed regression without a finished linked run. */
  private async regressionGaps(content: ChangeContent): Promise<string[]> {
    const gaps: string[] = [];
    const runs = await Promise.all(content.runs.map((id) => this.runs.get(id)));
    for (const entry of content.impact?.regression ?? []) {
      const linked = runs.filter((r) => r.interfaceKey === entry.interfaceKey);
      if (!linked.length) gaps.push(`${entry.interfaceKey} has no regression run`);
      else if (linked.some((r) => r.status === 'queued' || r.status === 'running')) gaps.push(`${entry.interfaceKey}'s regression run is still ${linked.find((r) => r.status === 'queued' || r.status === 'running')!.status}`);
    }
    return gaps;
  }

  /**
   * Implementation: the platform's production version becomes the one implemented (audited through
   * the change), and the interfaces a High item reached have their assessment flagged for re-review.
   */
  private async implement(ctx: RequestContext, tx: Transaction, after: ChangeContent, reason: string): Promise<ChangeContent> {
    if (after.type === 'vendor-release' && after.platform) {
      const platform = await this.platforms.findByName(after.platform, tx);
      if (platform) await this.platforms.setVersion(ctx, platform.key, 'production', after.implementedVersion!, `change ${after.key} implemented: ${reason}`, tx);
    }
    const reReview = [...new Set(after.releaseItems.filter((i) => i.rating === 'high').flatMap((i) => i.interfaces))].sort();
    for (const key of reReview) {
      const iface = await this.interfaces.locked(tx, key);
      if (iface.currentAssessmentId && iface.riskLevel) await this.interfaces.setCurrentAssessment(tx, iface.id, { id: iface.currentAssessmentId, level: iface.riskLevel, reviewDue: `${after.implementedAt!}T00:00:00.000Z` });
    }
    return { ...after, reReview };
  }

  private async logAll(tx: Transaction, ctx: RequestContext, inputs: NewChange[], field: string): Promise<ChangeRecord[]> {
    const problems: ErrorDetail[] = [];
    for (const [index, input] of inputs.entries()) problems.push(...(await this.referenceProblems(input, inputs.length > 1 ? `${field}.${index}` : field, tx)));
    if (problems.length) throw new ValidationError(inputs.length > 1 ? 'Nothing was imported: every problem is listed.' : 'The change names what the registry does not hold.', problems, 'invalid_change');
    const created: ChangeRecord[] = [];
    const last = await this.models.ChangeRecord.findOne({ order: [['id', 'DESC']], transaction: tx });
    let next = (last?.id ?? 0) + 1;
    for (const input of inputs) {
      const key = `CR-${String(next++).padStart(4, '0')}`;
      const content: ChangeContent = {
        key,
        type: input.type,
        title: input.title.trim(),
        state: 'logged',
        platform: input.platform ?? null,
        system: input.system ?? null,
        interface: input.interface ?? null,
        product: input.product ?? null,
        versionFrom: input.versionFrom ?? null,
        versionTo: input.versionTo ?? null,
        description: input.description.trim(),
        justification: input.justification.trim(),
        plannedDate: checkedDate(input.plannedDate, `${field}.plannedDate`),
        environments: input.environments,
        releaseNotes: [],
        releaseItems: (input.releaseItems ?? []).map((item, i) => ({ id: item.id ?? `item-${i + 1}`, title: item.title.trim(), description: item.description ?? null, rating: null, rationale: null, interfaces: [] })),
        impact: null,
        runs: [],
        stateReason: null,
        implementedAt: null,
        implementedVersion: null,
        reReview: [],
        closedAt: null,
      };
      const now = this.now().toISOString();
      const row = await this.models.ChangeRecord.create({ key, type: content.type, state: 'logged', plannedDate: content.plannedDate, currentVersion: 1, content: JSON.stringify(content), contributors: JSON.stringify(ctx.actor.userId === null ? [] : [ctx.actor.userId]), requestedBy: ctx.actor.userId, requestedAt: now }, { transaction: tx });
      await this.models.ChangeVersion.create({ changeId: row.id, version: 1, content: row.content, changedAt: now, changedBy: ctx.actor.userId, changedByName: ctx.actor.name, reason: null }, { transaction: tx });
      await this.audit.record(tx, ctx, { action: 'change.logged', entityType: 'change', entityId: row.id, change: 'create', after: content });
      created.push(row);
    }
    return created;
  }

  /** What a new change names must exist: the platform, the system, an interface that is not retired. */
  private async referenceProblems(input: NewChange, field: string, tx: Transaction): Promise<ErrorDetail[]> {
    const problems: ErrorDetail[] = [];
    if (input.type === 'vendor-release' && !input.platform && !input.system) problems.push({ field: `${field}.platform`, rule: 'required', message: 'a vendor release names the platform or system it updates' });
    if (['contract', 'new-interface', 'interface-retirement'].includes(input.type) && !input.interface) problems.push({ field: `${field}.interface`, rule: 'required', message: `a ${input.type} change names its interface` });
    if (input.platform && !(await this.platforms.findByName(input.platform, tx))) problems.push({ field: `${field}.platform`, rule: 'exists', message: `no platform '${input.platform}' in the registry` });
    if (input.system && !(await this.registry.System.findOne({ where: { name: input.system }, transaction: tx }))) problems.push({ field: `${field}.system`, rule: 'exists', message: `no system '${input.system}' in the registry` });
    if (input.interface) {
      const iface = await this.registry.Interface.findOne({ where: { key: input.interface }, transaction: tx });
      if (!iface) problems.push({ field: `${field}.interface`, rule: 'exists', message: `no interface ${input.interface}` });
      else if (iface.status === 'retired') problems.push({ field: `${field}.interface`, rule: 'active', message: `${input.interface} is retired: it takes no more changes` });
    }
    if (input.type === 'contract' && input.interface && (!/^[1-9]\d*$/.test(input.versionFrom ?? '') || !/^[1-9]\d*$/.test(input.versionTo ?? ''))) {
      problems.push({ field: `${field}.versionTo`, rule: 'contract-version', message: 'a contract change names the contract versions from and to (numbers)' });
    }
    try {
      checkedDate(input.plannedDate, `${field}.plannedDate`);
    } catch (error) {
      problems.push(...((error as ValidationError).details ?? []));
    }
    return problems;
  }

  /** One audited step on a locked change: a new version with the content `apply` gives. */
  private async write(ctx: RequestContext, id: number, reason: string, action: string, apply: (content: ChangeContent, tx: Transaction, row: ChangeRecord) => ChangeContent | Promise<ChangeContent>): Promise<ChangeRecord> {
    return this.database.write(async (tx) => {
      const row = await this.models.ChangeRecord.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!row) throw new NotFoundError(`No change record ${id}.`, 'change_not_found');
      const before = contentOf(row);
      const after = await apply(before, tx, row);
      await this.saveVersion(tx, ctx, row, after, reason);
      await this.audit.record(tx, ctx, {
        action,
        entityType: 'change',
        entityId: row.id,
        change: after.state !== before.state ? 'status' : 'update',
        before: after.state !== before.state ? { state: before.state } : before,
        after: after.state !== before.state ? { state: after.state, version: row.currentVersion, ...(after.stateReason && after.stateReason !== before.stateReason ? { stateReason: after.stateReason } : {}), ...(after.reReview.length ? { reReview: after.reReview } : {}) } : after,
        reason,
        states: after.reReview.filter((k) => !before.reReview.includes(k)).map((key) => ({ type: 'interface', id: key })),
      });
      return row;
    });
  }

  private async saveVersion(tx: Transaction, ctx: RequestContext, row: ChangeRecord, after: ChangeContent, reason: string | null): Promise<void> {
    const contributors = JSON.parse(row.contributors) as number[];
    // Whoever logs or edits the change is its author; QA's steps do not make the signer one.
    if (ctx.actor.userId !== null && ctx.actor.role === 'it' && !contributors.includes(ctx.actor.userId)) contributors.push(ctx.actor.userId);
    row.currentVersion += 1;
    row.state = after.state;
    row.plannedDate = after.plannedDate;
    row.content = JSON.stringify(after);
    row.contributors = JSON.stringify(contributors);
    await row.save({ transaction: tx });
    await this.models.ChangeVersion.create({ changeId: row.id, version: row.currentVersion, content: row.content, changedAt: this.now().toISOString(), changedBy: ctx.actor.userId, changedByName: ctx.actor.name, reason }, { transaction: tx });
  }
}
