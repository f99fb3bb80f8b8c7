// Synthetic validation packages for the package PDF's tests and benchmark: a manifest of any size
// (interfaces, requirements, runs, steps, evidence) built without a database, deterministic so
// the same options give the same manifest, with gaps, failures and deviations where asked.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocumentTexts } from '../../src/documents/document-texts.js';
import type { PackageAuditEntry, PackagePdfInput, PackageSignatureInput } from '../../src/packages/package-document.js';
import { MANIFEST_FORMAT, manifestDigest, type ManifestEvidence, type ManifestRun, type PackageManifest, type PlanSection, type TraceRow } from '../../src/packages/package-manifest.js';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates', import.meta.url));

let texts: DocumentTexts | null = null;
/** The shipped document templates, loaded once. */
export function shippedTexts(): DocumentTexts {
  texts ??= DocumentTexts.load(path.resolve(TEMPLATES_DIR));
  return texts;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface PackageFixtureOptions {
  interfaces?: number;
  requirementsPerInterface?: number;
  runs?: number;
  stepsPerRun?: number;
  /** Every n-th run fails its last step (0: none fails). */
  failEvery?: number;
  /** Adds a requirement without a scenario and a scenario never run, so the trace shows gaps. */
  withGaps?: boolean;
}

const SYSTEMS = [
  ['SAP S/4HANA', 'TraceLink'],
  ['Manhattan Active WMS', 'SAP ATTP'],
  ['TraceLink', 'Snowflake data hub'],
  ['Blue Yonder WMS', 'Kinaxis control tower'],
] as const;

/** A manifest shaped like a frozen package: every record carries a digest. */
export function buildPackageManifest(options: PackageFixtureOptions = {}): PackageManifest {
  const interfaceCount = options.interfaces ?? 2;
  const requirementsPer = options.requirementsPerInterface ?? 3;
  const runCount = options.runs ?? 3;
  const stepsPerRun = options.stepsPerRun ?? 3;
  const failEvery = options.failEvery ?? 0;
  const keys = Array.from({ length: interfaceCount }, (_, i) => `IF-SER-TP-${String(i + 1).padStart(3, '0')}`);

  const scope = keys.map((key, i) => {
    const [source, target] = SYSTEMS[i % SYSTEMS.length]!;
    return {
      interfaceKey: key,
      interfaceName: `Serialization events ${i + 1}`,
      source,
      target,
      layer: 'integration-platform',
      pattern: 'event',
      intendedUse: `Carries EPCIS commissioning and shipping events from ${source} to ${target} for DSCSA reporting.`,
      gxpRelevant: true,
      gampCategory: 5,
      contractVersion: 2 + (i % 3),
      contractDigest: sha256(`contract ${key}`),
      contractFormat: 'asyncapi',
      assessmentId: 100 + i,
      level: i % 2 === 0 ? 'high' : 'medium',
      levelLabel: i % 2 === 0 ? 'High process risk' : 'Not high process risk',
      testDepth: i % 2 === 0 ? 'full' : 'scripted-positive',
    };
  });
  const assessments = scope.map((s) => ({
    id: s.assessmentId!,
    interfaceKey: s.interfaceKey,
    scope: 'interface',
    model: { id: 'fda-csa', version: '1.0.0', digest: sha256('fda-csa 1.0.0') },
    level: s.level!,
    levelLabel: s.levelLabel!,
    testDepth: s.testDepth!,
    requiredSignatures: [
      { meaning: 'reviewed', roles: ['it'] },
      { meaning: 'approved', roles: ['qa'] },
    ],
    rationale: ['Direct impact on product quality: serialization data reported to regulators.', 'A failure could ship a unit without a valid DSCSA transaction record.'],
    assessedBy: 'Dana Whitfield',
    assessedAt: '2026-11-02T09:15:00.000Z',
    reviewDue: '2027-11-02T00:00:00.000Z',
    digest: sha256(`assessment ${s.interfaceKey}`),
  }));

  const scenarios = keys.flatMap((key) =>
    Array.from({ length: stepsPerRun }, (_, s) => ({
      interfaceKey: key,
      key: `${key}-S${String(s + 1).padStart(2, '0')}`,
      version: 1,
      name: ['Commissioning event accepted', 'Shipping event with aggregation', 'Rejects an invalid GTIN check digit', 'Event order enforced', 'Smoke: endpoint reachable'][s % 5]!,
      category: s % 3 === 2 ? 'negative' : 'positive',
      requirements: [`${key}-R${String((s % requirementsPer) + 1).padStart(2, '0')}`],
      digest: sha256(`scenario ${key} ${s}`),
    })),
  );
  const requirements = keys.flatMap((key) =>
    Array.from({ length: requirementsPer }, (_, r) => {
      const reqKey = `${key}-R${String(r + 1).padStart(2, '0')}`;
      return {
        interfaceKey: key,
        key: reqKey,
        version: 1,
        type: (['user', 'functional', 'data-integrity', 'regulatory'] as const)[r % 4]!,
        text: `The interface shall deliver every ${['commissioning', 'shipping', 'aggregation', 'decommissioning'][r % 4]} event with a valid SGTIN and event time, and reject an event whose GTIN check digit is wrong.`,
        risk: r % 2 === 0 ? 'high' : 'medium',
        scenarios: scenarios.filter((s) => s.interfaceKey === key && s.requirements.includes(reqKey)).map((s) => s.key),
        digest: sha256(`requirement ${reqKey}`),
      };
    }),
  );

  const runs: ManifestRun[] = [];
  const evidence: ManifestEvidence[] = [];
  for (let r = 0; r < runCount; r += 1) {
    const key = keys[r % keys.length]!;
    const runId = 1000 + r;
    const fails = failEvery > 0 && r % failEvery === failEvery - 1;
    const steps = scenarios
      .filter((s) => s.interfaceKey === key)
      .slice(0, stepsPerRun)
      .map((scenario, p) => {
        const failed = fails && p === stepsPerRun - 1;
        const request = sha256(`request ${runId} ${p}`);
        const response = sha256(`response ${runId} ${p}`);
        evidence.push({ digest: request, size: 1200 + ((r * 7 + p * 13) % 900), mediaType: 'application/json', runId, stepPosition: p + 1, role: 'request' });
        evidence.push({ digest: response, size: 300 + ((r * 11 + p * 5) % 4000), mediaType: 'application/json', runId, stepPosition: p + 1, role: 'response' });
        return {
          position: p + 1,
          scenarioKey: scenario.key,
          scenarioVersion: 1,
          name: scenario.name,
          category: scenario.category,
          requirements: scenario.requirements,
          status: failed ? ('failed' as const) : ('passed' as const),
          expected: 'HTTP 202 Accepted; body valid against the contract schema; eventTime within the last 24 hours',
          actual: failed ? 'HTTP 500 Internal Server Error after 1,204 ms' : `HTTP 202 Accepted in ${40 + ((r + p) % 90)} ms; body valid against the contract schema`,
          message: failed ? 'expected status 202, got 500' : null,
          durationMs: 40 + ((r + p) % 90),
          evidence: { request, response },
        };
      });
    runs.push({
      id: runId,
      interfaceKey: key,
      contractVersion: scope[r % keys.length]!.contractVersion,
      contractDigest: scope[r % keys.length]!.contractDigest,
      environment: 'validation',
      baseUrl: `https://val-${key.toLowerCase()}.example.test/api`,
      status: fails ? 'failed' : 'passed',
      assurance: { level: 'high', testDepth: 'full', reason: 'High process risk: serialization data reported under DSCSA' },
      runnerVersion: '0.1.0',
      executedBy: 'Marco Alvarez',
      startedAt: new Date(Date.UTC(2026, 10, 10, 8, 0, 0) + r * 60_000).toISOString(),
      finishedAt: new Date(Date.UTC(2026, 10, 10, 8, 0, 30) + r * 60_000).toISOString(),
      steps,
      digest: sha256(`run ${runId}`),
    });
  }
  const deviations = runs
    .filter((run) => run.status !== 'passed')
    .map((run, i) => ({
      id: 500 + i,
      version: 2,
      runId: run.id,
      stepPosition: run.steps.length,
      interfaceKey: run.interfaceKey,
      title: 'Endpoint returned 500 under load',
      status: i % 2 === 0 ? 'closed' : 'open',
      description: 'The commissioning endpoint returned HTTP 500 for one event during the regression run.',
      impact: 'No GxP impact: the event was retried and delivered; no unit shipped without a record.',
      rootCause: i % 2 === 0 ? 'Connection pool exhausted on the integration runtime.' : null,
      resolution: i % 2 === 0 ? 'Pool size raised; re-run passed.' : null,
      closedAt: i % 2 === 0 ? '2026-11-12T14:00:00.000Z' : null,
      closedBy: i % 2 === 0 ? 'Dana Whitfield' : null,
      digest: sha256(`deviation ${run.id}`),
    }));

  // The latest run of each scenario decides its trace row, as the package service does.
  const latest = new Map<string, { run: ManifestRun; step: ManifestRun['steps'][number] }>();
  for (const run of runs) for (const step of run.steps) latest.set(step.scenarioKey, { run, step });
  const traceMatrix: TraceRow[] = requirements.flatMap((req): TraceRow[] => {
    if (req.scenarios.length === 0) return [{ interfaceKey: req.interfaceKey, requirementKey: req.key, scenarioKey: null, runId: null, stepPosition: null, result: null, evidence: [], gap: 'no_scenario' as const }];
    return req.scenarios.map((scenarioKey) => {
      const hit = latest.get(scenarioKey);
      if (!hit) return { interfaceKey: req.interfaceKey, requirementKey: req.key, scenarioKey, runId: null, stepPosition: null, result: null, evidence: [], gap: 'not_run_for_record' as const };
      const closed = deviations.some((d) => d.runId === hit.run.id && d.status === 'closed');
      return {
        interfaceKey: req.interfaceKey,
        requirementKey: req.key,
        scenarioKey,
        runId: hit.run.id,
        stepPosition: hit.step.position,
        result: hit.step.status,
        evidence: [hit.step.evidence.request, hit.step.evidence.response].filter((d): d is string => d !== null),
        gap: hit.step.status !== 'passed' && !closed ? ('failed_without_closed_deviation' as const) : null,
      };
    });
  });
  if (options.withGaps) {
    const key = keys[0]!;
    requirements.push({ interfaceKey: key, key: `${key}-R90`, version: 1, type: 'regulatory', text: 'The interface shall keep every event for the retention period.', risk: 'high', scenarios: [], digest: sha256('gap requirement') });
    traceMatrix.push({ interfaceKey: key, requirementKey: `${key}-R90`, scenarioKey: null, runId: null, stepPosition: null, result: null, evidence: [], gap: 'no_scenario' });
    traceMatrix.push({ interfaceKey: key, requirementKey: `${key}-R01`, scenarioKey: `${key}-S99`, runId: null, stepPosition: null, result: null, evidence: [], gap: 'not_run_for_record' });
  }
  const gaps = traceMatrix.filter((t) => t.gap).length;
  const openItems = traceMatrix.filter((t) => t.gap).map((t) => `${t.requirementKey}: ${t.gap!.replace(/_/g, ' ')}`);

  const pkg = { id: 3, key: 'VP-0003', version: 2, revision: 1, title: 'Serialization interfaces — DSCSA release 2026.11', supersedes: { id: 2, version: 1 }, createdBy: 'Marco Alvarez', submittedBy: 'Marco Alvarez', submittedAt: '2026-11-20T16:30:00.000Z' };
  const requiredSignatures = [
    { meaning: 'reviewed', roles: ['it'], source: 'assurance level high' },
    { meaning: 'approved', roles: ['qa'], source: 'assurance level high' },
    { meaning: 'approved', roles: ['qa'], source: 'high risk: second QA approval' },
  ];
  const passedRuns = runs.filter((r) => r.status === 'passed').length;
  const summaryContext = {
    package: pkg,
    scope,
    acceptanceMet: gaps === 0,
    openItems,
    counts: {
      interfaces: scope.length,
      requirements: requirements.length,
      scenarios: scenarios.length,
      runs: runs.length,
      passedRuns,
      failedRuns: runs.length - passedRuns,
      steps: runs.reduce((sum, r) => sum + r.steps.length, 0),
      evidence: evidence.length,
      deviations: deviations.length,
      closedDeviations: deviations.filter((d) => d.status === 'closed').length,
      gaps,
    },
  };
  return {
    format: MANIFEST_FORMAT,
    package: pkg,
    scope,
    plan: sectionsOf(shippedTexts().render('package/validation-plan', { package: pkg, scope, requiredSignatures, highRisk: true })),
    requirements,
    assessments,
    scenarios,
    runs,
    deviations,
    evidence,
    traceMatrix,
    summary: {
      sections: sectionsOf(shippedTexts().render('package/summary-report', summaryContext)),
      acceptanceMet: gaps === 0,
      openItems,
      releaseStatement: shippedTexts().render('package/release-statement', summaryContext),
    },
    requiredSignatures,
    auditRecords: runs.slice(0, 5).map((r) => `run:${r.id}`),
  };
}

/** Template output split at its "## Title" lines, as the package service stores plan and summary. */
function sectionsOf(text: string): PlanSection[] {
  const sections: PlanSection[] = [];
  for (const block of text.split(/^## /m).slice(1)) {
    const [title = '', ...rest] = block.split('\n');
    sections.push({ id: title.toLowerCase().replace(/[^a-z0-9]+/g, '-'), title: title.trim(), text: rest.join('\n').trim() });
  }
  return sections;
}

export function buildSignature(overrides: Partial<PackageSignatureInput> = {}): PackageSignatureInput {
  return {
    id: 1,
    signerName: 'Marco Alvarez',
    signerRole: 'it',
    meaning: 'reviewed',
    signedAt: '2026-11-21T09:05:00.000Z',
    reason: 'Reviewed runs, deviations and the trace matrix.',
    valid: true,
    problem: null,
    signerAccess: 'signing access granted 2026-01-05 08:00:00 UTC by Dana Whitfield (access grant 4)',
    ...overrides,
  };
}

/** Audit events, generated as they are read (an excerpt of any length). */
export async function* auditExcerpt(count: number): AsyncIterable<PackageAuditEntry> {
  for (let seq = 1; seq <= count; seq += 1) {
    yield {
      seq,
      occurredAt: new Date(Date.UTC(2026, 10, 10, 8, 0, 0) + seq * 1000).toISOString(),
      actorName: seq % 3 === 0 ? 'Dana Whitfield' : 'Marco Alvarez',
      action: ['run.create', 'run.finish', 'deviation.update', 'package.submit'][seq % 4]!,
      entityType: ['run', 'run', 'deviation', 'package'][seq % 4]!,
      entityId: String(1000 + (seq % 50)),
      reason: seq % 4 === 2 ? 'Root cause recorded after investigation' : null,
    };
  }
}

export function buildPackagePdfInput(overrides: Partial<PackagePdfInput> & { fixture?: PackageFixtureOptions; auditEvents?: number } = {}): PackagePdfInput {
  const { fixture, auditEvents, ...rest } = overrides;
  const manifest = rest.manifest ?? buildPackageManifest(fixture);
  return {
    manifest,
    manifestDigest: manifestDigest(manifest),
    status: 'in-review',
    generatedAt: '2026-12-06T10:00:00.000Z',
    generatedBy: 'Ada Auditor',
    signatures: [buildSignature(), buildSignature({ id: 2, signerName: 'Dana Whitfield', signerRole: 'qa', meaning: 'approved', signedAt: '2026-11-22T15:45:30.000Z', reason: 'Approved for release.' })],
    auditExcerpt: auditExcerpt(auditEvents ?? 12),
    verification: {
      checkpoint: { treeSize: 48_213, rootHash: sha256('checkpoint root'), keyId: 'k-2026-01', createdAt: '2026-12-06T09:59:00.000Z' },
      keyFingerprints: [{ keyId: 'k-2026-01', fingerprint: sha256('public key k-2026-01') }],
      evidenceVerified: true,
      auditVerified: true,
    },
    texts: shippedTexts(),
    ...rest,
  };
}
