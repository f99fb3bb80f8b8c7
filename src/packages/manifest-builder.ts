// Builds a package's manifest from the records in force: the interfaces in scope at their contract
// versions, their current risk assessments and requirements, the current scenarios for that contract
// version, every finished run for record against it with its steps and evidence, and the deviations
// raised from those runs. Each record is named by id and by the state digest its audit trail holds
// (record-states.ts), so "frozen by id and digest" can be checked against the trail and by `gxpw
// verify`. The words of the summary come from templates/documents/package/*.hbs.
import { QueryTypes, type Transaction } from 'sequelize';
import type { RecordStates } from '../audit/record-states.js';
import type { DocumentTexts } from '../documents/document-texts.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ValidationError } from '../platform/errors.js';
import type { ContractService } from '../registry/contract-service.js';
import type { RegistryModels } from '../registry/registry-models.js';
import type { AssessmentService } from '../risk/assessment-service.js';
import type { RiskResult } from '../risk/risk-model.js';
import type { DeviationContent, DeviationModels } from '../scenarios/deviation-service.js';
import type { ScenarioDefinition } from '../scenarios/scenario-schema.js';
import type { ScenarioModels } from '../scenarios/scenario-models.js';
import type { SignatureService } from '../signatures/signature-service.js';
import {
  MANIFEST_FORMAT,
  type ManifestAssessment,
  type ManifestDeviation,
  type ManifestEvidence,
  type ManifestRequirement,
  type ManifestRun,
  type ManifestScenario,
  type ManifestScopeItem,
  type ManifestSignatureRequirement,
  type PackageManifest,
  type RequirementType,
} from './package-manifest.js';
import { contributorsOf, planOf, scopeOf, type ScopeEntry, type ValidationPackage } from './package-model.js';
import { openItemsOf, traceMatrix, unverifiedRequirementsOf } from './trace-matrix.js';

/** The requirements of an interface as the registry keeps them (RequirementService). */
export interface RequirementReader {
  currentOf(interfaceId: number, tx?: Transaction): Promise<Array<{ id: number; key: string; version: number; type: string; text: string; risk: string }>>;
}

export interface ManifestSources {
  database: Database;
  registry: Pick<RegistryModels, 'Interface' | 'System'>;
  contracts: ContractService;
  assessments: AssessmentService;
  requirements: RequirementReader;
  scenarioModels: ScenarioModels;
  deviationModels: DeviationModels;
  signatures: SignatureService;
  recordStates: RecordStates;
  texts: DocumentTexts;
}

const FINISHED = ['passed', 'failed', 'error'];
const BATCH = 500;

/** Signatures every package needs, whatever its risk (issue 13; Part 11 §11.10(g) separation of duties). */
export const BASE_SIGNATURES: ManifestSignatureRequirement[] = [
  { meaning: 'reviewed', roles: ['it'], source: 'required for every validation package' },
  { meaning: 'approved', roles: ['qa'], source: 'required for every validation package' },
];
/** A second QA person takes release responsibility when the scope holds an interface at full test depth. */
export const HIGH_RISK_SIGNATURE: ManifestSignatureRequirement = { meaning: 'responsible', roles: ['qa'], source: 'high process risk in scope: a second QA signer' };

export class ManifestBuilder {
  constructor(private readonly sources: ManifestSources) {}

  /** The scope item for one interface at one contract version; refuses what does not exist. */
  async checkScope(scope: ScopeEntry[], tx?: Transaction): Promise<void> {
    const problems = [];
    for (const [index, entry] of scope.entries()) {
      const iface = await this.sources.registry.Interface.findOne({ where: { key: entry.interfaceKey }, transaction: tx ?? null });
      if (!iface) {
        problems.push({ field: `body.scope.${index}.interface`, rule: 'exists', message: `no interface ${entry.interfaceKey}` });
        continue;
      }
      if (iface.status === 'retired') problems.push({ field: `body.scope.${index}.interface`, rule: 'active', message: `${entry.interfaceKey} is retired` });
      const contracts = await this.sources.contracts.list(entry.interfaceKey);
      if (!contracts.some((c) => c.version === entry.contractVersion)) {
        problems.push({ field: `body.scope.${index}.contractVersion`, rule: 'exists', message: `${entry.interfaceKey} has no contract version ${entry.contractVersion}` });
      }
    }
    if (problems.length) throw new ValidationError('The scope names interfaces or contract versions that cannot be validated.', problems, 'invalid_scope');
  }

  async build(tx: Transaction, row: ValidationPackage, submission: { revision: number; submittedBy: string; submittedAt: string; createdBy: string }): Promise<PackageManifest> {
    const scope: ManifestScopeItem[] = [];
    const assessments: ManifestAssessment[] = [];
    const requirements: ManifestRequirement[] = [];
    const scenarios: ManifestScenario[] = [];
    const runs: ManifestRun[] = [];
    const deviations: ManifestDeviation[] = [];
    const evidenceDigests = new Map<string, { runId: number; stepPosition: number; role: 'request' | 'response' }>();
    const refs: Array<{ type: string; id: string | number }> = [{ type: 'package', id: row.id }];
    const requiredSignatures = [...BASE_SIGNATURES];

    for (const entry of scopeOf(row)) {
      const { iface, item, assessment, contractId, assessmentResult } = await this.scopeItem(tx, entry);
      scope.push(item);
      refs.push({ type: 'interface', id: iface.key }, { type: 'contract', id: contractId });
      if (assessment && assessmentResult) {
        assessments.push(assessment);
        refs.push({ type: 'risk-assessment', id: assessment.id });
        for (const s of assessmentResult.assurance.requiredSignatures) {
          if (!requiredSignatures.some((r) => r.meaning === s.meaning)) requiredSignatures.push({ meaning: s.meaning, roles: [...s.roles], source: `assurance level ${assessment.level} of ${iface.key} (${assessment.model.id} ${assessment.model.version})` });
        }
        if (assessment.testDepth === 'full' && !requiredSignatures.some((r) => r.meaning === HIGH_RISK_SIGNATURE.meaning)) requiredSignatures.push({ ...HIGH_RISK_SIGNATURE, source: `${HIGH_RISK_SIGNATURE.source} (${iface.key}: ${assessment.levelLabel})` });
      }

      for (const requirement of await this.sources.requirements.currentOf(iface.id, tx)) {
        requirements.push({ interfaceKey: iface.key, key: requirement.key, version: requirement.version, type: requirement.type as RequirementType, text: requirement.text, risk: requirement.risk, scenarios: [], digest: `requirement:${requirement.id}` });
        refs.push({ type: 'requirement', id: requirement.id });
      }
      // The current version of each scenario written for this contract version.
      const scenarioRows = await this.sources.scenarioModels.Scenario.findAll({ where: { interfaceId: iface.id }, order: [['key', 'ASC'], ['version', 'ASC']], transaction: tx });
      const currentScenarios = new Map<string, (typeof scenarioRows)[number]>();
      for (const s of scenarioRows) currentScenarios.set(s.key, s);
      for (const s of currentScenarios.values()) {
        if (s.contractVersion !== entry.contractVersion) continue;
        const definition = JSON.parse(s.definition) as ScenarioDefinition;
        scenarios.push({ interfaceKey: iface.key, key: s.key, version: s.version, name: s.name, category: s.category, requirements: definition.requirements ?? [], digest: `scenario:${s.id}` });
        refs.push({ type: 'scenario', id: s.id });
      }

      const runRows = await this.sources.scenarioModels.Run.findAll({
        where: { interfaceId: iface.id, dryRun: false, contractVersion: entry.contractVersion, contractDigest: item.contractDigest, status: FINISHED },
        order: [['id', 'ASC']],
        transaction: tx,
      });
      for (let start = 0; start < runRows.length; start += BATCH) {
        const chunk = runRows.slice(start, start + BATCH);
        const stepRows = await this.sources.scenarioModels.RunStep.findAll({ where: { runId: chunk.map((r) => r.id) }, order: [['runId', 'ASC'], ['position', 'ASC']], transaction: tx });
        for (const run of chunk) {
          const assurance = JSON.parse(run.assurance) as { level: string | null; testDepth: string; reason: string };
          const steps = stepRows.filter((s) => s.runId === run.id).map((s) => {
            if (s.requestEvidence) evidenceDigests.set(s.requestEvidence, { runId: run.id, stepPosition: s.position, role: 'request' });
            if (s.responseEvidence) evidenceDigests.set(s.responseEvidence, { runId: run.id, stepPosition: s.position, role: 'response' });
            return {
              position: s.position,
              scenarioKey: s.scenarioKey,
              scenarioVersion: s.scenarioVersion,
              name: s.name,
              category: s.category,
              requirements: JSON.parse(s.requirements) as string[],
              status: s.status,
              expected: s.expected,
              actual: s.actual,
              message: s.message,
              durationMs: s.durationMs,
              evidence: { request: s.requestEvidence, response: s.responseEvidence },
            };
          });
          runs.push({
            id: run.id,
            interfaceKey: iface.key,
            contractVersion: run.contractVersion,
            contractDigest: run.contractDigest,
            environment: run.environment,
            baseUrl: run.baseUrl,
            status: run.status,
            assurance: { level: assurance.level, testDepth: assurance.testDepth, reason: assurance.reason },
            runnerVersion: run.runnerVersion,
            executedBy: run.startedByName,
            startedAt: run.startedAt,
            finishedAt: run.finishedAt,
            steps,
            digest: `run:${run.id}`,
          });
          refs.push({ type: 'run', id: run.id });
        }
        await this.addDeviations(tx, chunk.map((r) => r.id), deviations, refs);
      }
    }

    for (const requirement of requirements) {
      requirement.scenarios = scenarios.filter((s) => s.interfaceKey === requirement.interfaceKey && s.requirements.includes(requirement.key)).map((s) => s.key);
    }
    const evidence = await this.evidenceEntries(tx, evidenceDigests);
    // Every frozen record named by the state digest the audit trail holds for it.
    const digests = await this.sources.recordStates.digestsWithin(this.sources.database, tx, refs);
    const digestOf = (ref: string) => {
      const digest = digests[ref];
      if (!digest) throw new ConflictError(`Record ${ref} has no state to freeze.`, 'record_missing');
      return digest;
    };
    for (const a of assessments) a.digest = digestOf(`risk-assessment:${a.id}`);
    for (const r of requirements) r.digest = digestOf(r.digest);
    for (const s of scenarios) s.digest = digestOf(s.digest);
    for (const r of runs) r.digest = digestOf(r.digest);
    for (const d of deviations) d.digest = digestOf(`deviation:${d.id}`);

    const inputs = { scope, requirements, scenarios, runs, deviations };
    const openItems = openItemsOf(inputs);
    const acceptanceMet = openItems.length === 0;
    const failedRuns = runs.filter((r) => r.status !== 'passed').length;
    const unverified = unverifiedRequirementsOf(inputs);
    const context = {
      package: { key: row.key, title: row.title, version: row.version },
      scope,
      acceptanceMet,
      openItems,
      unverified,
      counts: {
        interfaces: scope.length,
        requirements: requirements.length,
        scenarios: scenarios.length,
        runs: runs.length,
        passedRuns: runs.length - failedRuns,
        failedRuns,
        steps: runs.reduce((n, r) => n + r.steps.length, 0),
        evidence: evidence.length,
        deviations: deviations.length,
        closedDeviations: deviations.filter((d) => d.status === 'closed').length,
      },
    };
    return {
      format: MANIFEST_FORMAT,
      package: {
        id: row.id,
        key: row.key,
        version: row.version,
        revision: submission.revision,
        title: row.title,
        supersedes: row.supersedesId === null ? null : { id: row.supersedesId, version: row.version - 1 },
        createdBy: submission.createdBy,
        submittedBy: submission.submittedBy,
        submittedAt: submission.submittedAt,
      },
      scope,
      plan: planOf(row),
      requirements,
      assessments,
      scenarios,
      runs,
      deviations,
      evidence,
      traceMatrix: traceMatrix(inputs),
      summary: {
        sections: sectionsOf(this.sources.texts.render('package/summary-report', context)),
        acceptanceMet,
        openItems,
        releaseStatement: this.sources.texts.render('package/release-statement', context),
      },
      requiredSignatures,
      auditRecords: [...new Set(refs.map((r) => `${r.type}:${r.id}`))],
    };
  }

  /** An interface in scope as the plan and manifest describe it, with the assessment in force. */
  async scopeItem(tx: Transaction | undefined, entry: ScopeEntry) {
    const iface = await this.sources.registry.Interface.findOne({ where: { key: entry.interfaceKey }, transaction: tx ?? null });
    if (!iface) throw new ConflictError(`Interface ${entry.interfaceKey} in the scope no longer exists.`, 'invalid_scope');
    const systems = await this.sources.registry.System.findAll({ where: { id: [iface.sourceSystemId, iface.targetSystemId] }, transaction: tx ?? null });
    const systemName = (id: number) => systems.find((s) => s.id === id)?.name ?? String(id);
    const contract = await this.sources.contracts.get(iface.key, entry.contractVersion);
    let assessment: ManifestAssessment | null = null;
    let assessmentResult: RiskResult | null = null;
    if (iface.currentAssessmentId !== null && iface.currentAssessmentId !== undefined) {
      const stored = await this.sources.assessments.get(iface.currentAssessmentId, tx);
      const result = JSON.parse(stored.result) as RiskResult;
      assessmentResult = result;
      assessment = {
        id: stored.id,
        interfaceKey: iface.key,
        scope: stored.scope,
        model: { id: stored.modelId, version: stored.modelVersion, digest: stored.modelDigest },
        level: result.level,
        levelLabel: result.assurance.label,
        testDepth: result.assurance.testDepth,
        requiredSignatures: result.assurance.requiredSignatures.map((s) => ({ meaning: s.meaning, roles: [...s.roles] })),
        rationale: result.rationale,
        assessedBy: stored.assessedByName,
        assessedAt: stored.assessedAt,
        reviewDue: stored.reviewDue,
        digest: '',
      };
    }
    const item: ManifestScopeItem = {
      interfaceKey: iface.key,
      interfaceName: iface.name,
      source: systemName(iface.sourceSystemId),
      target: systemName(iface.targetSystemId),
      layer: iface.layer,
      pattern: iface.pattern,
      intendedUse: iface.intendedUse,
      gxpRelevant: Boolean(iface.gxpRelevant),
      gampCategory: systems.length ? Math.max(...systems.map((s) => s.gampCategory)) : null,
      contractVersion: contract.version,
      contractDigest: contract.digest,
      contractFormat: contract.format,
      assessmentId: assessment?.id ?? null,
      level: assessment?.level ?? null,
      levelLabel: assessment?.levelLabel ?? null,
      testDepth: assessment?.testDepth ?? null,
    };
    return { iface, item, assessment, assessmentResult, contractId: contract.id };
  }

  /** The ids of users who wrote this version (contributors), for separation of duties. */
  contributors(row: ValidationPackage): number[] {
    return contributorsOf(row);
  }

  private async addDeviations(tx: Transaction, runIds: number[], out: ManifestDeviation[], refs: Array<{ type: string; id: string | number }>): Promise<void> {
    const rows = await this.sources.deviationModels.Deviation.findAll({ where: { runId: runIds }, order: [['id', 'ASC']], transaction: tx });
    if (rows.length === 0) return;
    const versions = await this.sources.deviationModels.DeviationVersion.findAll({ where: { deviationId: rows.map((r) => r.id) }, transaction: tx });
    for (const row of rows) {
      const current = versions.find((v) => v.deviationId === row.id && v.version === row.currentVersion)!;
      const content = JSON.parse(current.content) as DeviationContent;
      // Closed is not stored: the resolved version carrying a valid QA approval (as deviations show it).
      const signOff = row.status === 'resolved' ? await this.sources.signatures.signOffStatus('deviation', String(row.id), row.currentVersion, tx) : null;
      const closed = signOff?.complete ?? false;
      out.push({
        id: row.id,
        version: row.currentVersion,
        runId: row.runId,
        stepPosition: row.stepPosition,
        interfaceKey: row.interfaceKey,
        title: content.title,
        status: closed ? 'closed' : row.status,
        description: content.description,
        impact: content.impact,
        rootCause: content.rootCause,
        resolution: content.resolution,
        closedAt: closed ? current.changedAt : null,
        closedBy: closed ? (signOff!.requirements.find((r) => r.meaning === 'approved')?.signedBy ?? null) : null,
        digest: '',
      });
      refs.push({ type: 'deviation', id: row.id });
    }
  }

  private async evidenceEntries(tx: Transaction, digests: Map<string, { runId: number; stepPosition: number; role: 'request' | 'response' }>): Promise<ManifestEvidence[]> {
    const list = [...digests.keys()];
    const found = new Map<string, { size: number; mediaType: string }>();
    for (let start = 0; start < list.length; start += BATCH) {
      const chunk = list.slice(start, start + BATCH);
      const rows = await this.sources.database.sequelize.query<{ digest: string; size: number; media_type: string }>(
        `SELECT digest, size, media_type FROM evidence_items WHERE digest IN (${chunk.map(() => '?').join(', ')}) ORDER BY id ASC`,
        { replacements: chunk, type: QueryTypes.SELECT, transaction: tx },
      );
      for (const row of rows) if (!found.has(row.digest)) found.set(row.digest, { size: Number(row.size), mediaType: row.media_type });
    }
    return list
      .map((digest) => ({ digest, size: found.get(digest)?.size ?? 0, mediaType: found.get(digest)?.mediaType ?? 'application/octet-stream', ...digests.get(digest)! }))
      .sort((a, b) => a.runId - b.runId || a.stepPosition - b.stepPosition || a.role.localeCompare(b.role));
  }
}

/** Splits template text into sections at "## Title" lines. */
export function sectionsOf(text: string): Array<{ id: string; title: string; text: string }> {
  const sections: Array<{ id: string; title: string; text: string }> = [];
  for (const part of text.split(/^## /m)) {
    if (!part.trim()) continue;
    const newline = part.indexOf('\n');
    const title = (newline === -1 ? part : part.slice(0, newline)).trim();
    const body = newline === -1 ? '' : part.slice(newline + 1).trim();
    sections.push({ id: title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''), title, text: body });
  }
  return sections;
}
