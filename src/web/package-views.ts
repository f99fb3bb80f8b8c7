// View models of the package pages: the list, and the review screen a QA lead signs from — the
// summary and release-for-use statement, scope, assessments, the trace matrix with every gap in
// words, runs, deviations, the frozen manifest's digest and the sign-off. Built field by field from
// the package service's results; templates never see a model.
import type { PackageManifest, TraceGap, TraceRow } from '../packages/package-manifest.js';
import { contributorsOf, planOf, scopeOf, type PackageStatus, type ValidationPackage } from '../packages/package-model.js';
import { gapWeight } from '../packages/trace-matrix.js';
import type { SignOffStatus } from '../signatures/signature-service.js';
import type { Viewer } from './viewer.js';
import { meaningsOpenTo, presentRequirements, type SignatureView } from './signature-views.js';

/** The list's state filter: the stored states, and "sent back" (a draft rejected from review). */
export const PACKAGE_FILTER_STATES = ['draft', 'in-review', 'approved', 'superseded', 'rejected'] as const;
export type PackageFilterState = (typeof PACKAGE_FILTER_STATES)[number];

const STATE_WORDS: Record<PackageStatus, string> = { draft: 'Draft', 'in-review': 'In review', approved: 'Approved for use', superseded: 'Superseded' };

export const GAP_WORDS: Record<TraceGap, string> = {
  no_scenario: 'Gap: no scenario verifies this requirement',
  not_run_for_record: 'Gap: not run — no run for record of this scenario',
  failed_without_closed_deviation: 'Gap: failed without a closed deviation',
};

/** Why a noted gap does not keep the package from approval, after the gap itself. */
const NOTED_WORDS: Record<TraceGap, string> = {
  no_scenario: 'noted: verified outside the workbench, as the plan says',
  not_run_for_record: 'noted: beyond the test depth this risk level requires',
  failed_without_closed_deviation: '',
};

/** The badge of a package: its state in words; a draft sent back from review says so. */
export function stateOf(row: ValidationPackage): { value: string; label: string } {
  if (row.status === 'draft' && row.rejectionReason) return { value: 'rejected', label: 'Draft — sent back from review' };
  return { value: row.status, label: STATE_WORDS[row.status] };
}

export function matchesFilter(row: ValidationPackage, state: PackageFilterState | undefined): boolean {
  if (!state) return true;
  if (state === 'rejected') return row.status === 'draft' && row.rejectionReason !== null;
  return row.status === state;
}

export function presentPackageRow(row: ValidationPackage) {
  const scope = scopeOf(row);
  return {
    id: row.id,
    href: `/packages/${row.id}`,
    key: row.key,
    version: row.version,
    title: row.title,
    state: stateOf(row),
    scopeText: scope.map((s) => `${s.interfaceKey} (contract v${s.contractVersion})`).join(', '),
    createdBy: row.createdByName,
    createdAt: row.createdAt,
    submittedAt: row.submittedAt,
    approvedAt: row.approvedAt,
  };
}

export interface PackageDetailInput {
  row: ValidationPackage;
  frozen: { manifest: PackageManifest; digest: string; revision: number } | null;
  signOff: SignOffStatus | null;
  signatures: SignatureView[];
  /** A later version of this package exists (so no new version can be started from this one). */
  hasLaterVersion: boolean;
  supersedes: { id: number; version: number } | null;
  viewer: Viewer;
}

export function presentPackageDetail({ row, frozen, signOff, signatures, hasLaterVersion, supersedes, viewer }: PackageDetailInput) {
  const manifest = frozen?.manifest ?? null;
  const state = stateOf(row);
  const returnTo = `/packages/${row.id}`;
  const signable = row.status === 'in-review' && viewer.can.recordsSign && signOff !== null;
  const openMeanings = signable ? meaningsOpenTo(viewer.role, signOff!.requirements) : [];
  const contributed = viewer.userId !== null && contributorsOf(row).includes(viewer.userId);
  const trace = manifest ? presentTrace(manifest.traceMatrix, manifest) : null;
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    title: row.title,
    state,
    inReview: row.status === 'in-review',
    draft: row.status === 'draft',
    rejectionReason: row.rejectionReason,
    createdBy: row.createdByName,
    createdAt: row.createdAt,
    submittedAt: row.submittedAt,
    approvedAt: row.approvedAt,
    supersedes: supersedes ? { href: `/packages/${supersedes.id}`, label: `${row.key} v${supersedes.version}` } : null,
    scope: manifest ? manifest.scope.map(presentScopeItem) : scopeOf(row).map((s) => ({ interfaceKey: s.interfaceKey, name: null, contractVersion: s.contractVersion, systems: null, level: null, testDepth: null, gxpRelevant: null, intendedUse: null })),
    plan: manifest ? manifest.plan : planOf(row),
    frozen: frozen
      ? {
          revision: frozen.revision,
          digest: frozen.digest,
          submittedBy: manifest!.package.submittedBy,
          submittedAt: manifest!.package.submittedAt,
          lastSubmissionSentBack: row.status === 'draft',
        }
      : null,
    summary: manifest
      ? {
          releaseStatement: manifest.summary.releaseStatement,
          acceptanceMet: manifest.summary.acceptanceMet,
          openItems: manifest.summary.openItems,
          sections: manifest.summary.sections,
        }
      : null,
    assessments: manifest ? manifest.assessments.map((a) => ({ id: a.id, interfaceKey: a.interfaceKey, model: `${a.model.id} ${a.model.version}`, level: a.level, levelLabel: a.levelLabel, testDepth: a.testDepth, assessedBy: a.assessedBy, assessedAt: a.assessedAt, reviewDue: a.reviewDue, rationale: a.rationale })) : [],
    trace,
    runs: manifest
      ? manifest.runs.map((r) => ({
          id: r.id,
          href: `/runs/${r.id}`,
          interfaceKey: r.interfaceKey,
          environment: r.environment,
          status: r.status,
          executedBy: r.executedBy,
          finishedAt: r.finishedAt,
          stepsText: `${r.steps.filter((s) => s.status === 'passed').length} of ${r.steps.length} steps passed`,
          assurance: r.assurance.reason,
        }))
      : [],
    deviations: manifest
      ? manifest.deviations.map((d) => ({ id: d.id, runId: d.runId, stepPosition: d.stepPosition, interfaceKey: d.interfaceKey, title: d.title, status: d.status, closedBy: d.closedBy, closedAt: d.closedAt, resolution: d.resolution }))
      : [],
    requirements: signOff ? presentRequirements(signOff.requirements) : [],
    signOffComplete: signOff?.complete ?? false,
    signatures,
    signLinks: openMeanings.map((meaning) => ({ meaning, href: `/sign/package/${row.id}?meaning=${encodeURIComponent(meaning)}&returnTo=${encodeURIComponent(returnTo)}` })),
    contributedNote: signable && contributed ? 'You created, edited or submitted this version: someone else gives its reviewed and approved signatures.' : null,
    actions: {
      submit: row.status === 'draft' && Boolean(viewer.can.packagesEdit),
      reject: row.status === 'in-review' && Boolean(viewer.can.packagesDecide),
      newVersion: row.status === 'approved' && !hasLaterVersion && Boolean(viewer.can.packagesEdit),
      downloads: Boolean(viewer.can.recordsExport),
      bundle: Boolean(viewer.can.recordsExport) && row.revision > 0,
    },
  };
}

function presentScopeItem(item: PackageManifest['scope'][number]) {
  return {
    interfaceKey: item.interfaceKey,
    name: item.interfaceName,
    contractVersion: item.contractVersion,
    systems: `${item.source} → ${item.target}`,
    level: item.levelLabel ? `${item.levelLabel} (${item.level})` : 'No current risk assessment',
    testDepth: item.testDepth,
    gxpRelevant: item.gxpRelevant ? 'GxP relevant' : 'Not GxP relevant',
    intendedUse: item.intendedUse,
  };
}

/** Trace rows with their gap written out (the row class repeats it in colour), and the gap count. */
export function presentTrace(rows: TraceRow[], inputs: Pick<PackageManifest, 'scope' | 'scenarios'>) {
  const presented = rows.map((r) => {
    const weight = gapWeight(r, inputs);
    return {
    interfaceKey: r.interfaceKey,
    requirementKey: r.requirementKey,
    scenarioKey: r.scenarioKey ?? '—',
    run: r.runId === null ? null : { id: r.runId, href: `/runs/${r.runId}`, step: r.stepPosition },
    result: r.result,
    evidenceCount: r.evidence.length,
    gap: r.gap,
    weight,
    // A blocking gap is an open item of the package (red row); a noted one is written out but does not block (amber row).
    gapText: r.gap ? (weight === 'noted' ? `${GAP_WORDS[r.gap]} (${NOTED_WORDS[r.gap]})` : GAP_WORDS[r.gap]) : null,
    rowClass: weight === 'blocking' ? 'row-gap' : weight === 'noted' ? 'row-noted' : '',
    };
  });
  const blocking = presented.filter((r) => r.weight === 'blocking').length;
  return { rows: presented, gaps: presented.filter((r) => r.gap).length, blocking, noted: presented.filter((r) => r.weight === 'noted').length, total: presented.length };
}
