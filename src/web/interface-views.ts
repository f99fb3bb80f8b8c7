// View models of the interface pages: the list, an interface's detail (systems, platforms, contract
// versions, risk history, requirements, scenarios, runs), one contract version and the diff of two.
// Built field by field from what the services return, so templates see plain values only: words for
// every state (a badge's colour only repeats them), links made here, absent blocks as null.
import type { InterfaceView } from '../registry/registry-presenter.js';
import type { PlatformRecord } from '../registry/platform-presenter.js';
import type { Contract } from '../registry/registry-models.js';
import type { ContractDiff } from '../registry/contract-diff.js';
import type { presentAssessment } from '../risk/risk-presenter.js';
import type { Requirement } from '../registry/requirement-model.js';
import type { Run, Scenario } from '../scenarios/scenario-models.js';
import type { ScenarioDefinition } from '../scenarios/scenario-schema.js';
import { presentRunRow } from './run-views.js';

export const interfaceHref = (key: string) => `/interfaces/${encodeURIComponent(key)}`;
export const contractHref = (key: string, version: number) => `${interfaceHref(key)}/contracts/${version}`;
export const diffHref = (key: string, from: number, to: number) => `${contractHref(key, from)}/diff/${to}`;

/** "integration-platform" → "Integration platform". */
export function words(value: string | null | undefined): string {
  if (!value) return '';
  const text = value.replace(/[-_]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A risk level as a badge: its word always written; "Not assessed" when there is none. */
export function riskBadge(level: string | null) {
  return level ? { value: level.toLowerCase(), label: `${words(level)} risk` } : { value: 'none', label: 'Not assessed' };
}

export function presentInterfaceRow(view: InterfaceView, lastRun: Run | undefined) {
  return {
    key: view.key,
    name: view.name,
    href: interfaceHref(view.key),
    layer: words(view.layer),
    systems: `${view.sourceSystem ?? '?'} → ${view.targetSystem ?? '?'}`,
    status: { value: view.status, label: words(view.status) },
    risk: riskBadge(view.riskLevel),
    contract: view.currentContractVersion ? `Yes (v${view.currentContractVersion})` : 'No',
    lastRun: lastRun ? presentRunRow(lastRun) : null,
  };
}

/** The versions each platform an interface names is in service at, per environment. */
export function presentPlatforms(texts: string[], records: PlatformRecord[]) {
  return texts.map((text) => {
    const lower = text.toLowerCase();
    const record = records.filter((r) => lower === r.name.toLowerCase() || lower.startsWith(`${r.name.toLowerCase()} `)).sort((a, b) => b.name.length - a.name.length)[0] ?? null;
    return {
      text,
      record: record ? { name: record.name, vendor: record.vendor, kind: words(record.kind), status: { value: record.status, label: words(record.status) } } : null,
      versions: record ? Object.entries(record.versions).map(([environment, version]) => ({ environment, version })) : [],
    };
  });
}

/** Contract versions, newest first, each with a link to itself and to the diff from the version before. */
export function presentContractVersions(key: string, contracts: Contract[]) {
  const versions = contracts.map((c) => c.version);
  return contracts.map((contract) => {
    const previous = versions.filter((v) => v < contract.version).sort((a, b) => b - a)[0];
    return {
      version: contract.version,
      href: contractHref(key, contract.version),
      format: contract.format,
      specVersion: contract.specVersion,
      digest: contract.digest,
      note: contract.note,
      createdAt: contract.createdAt,
      createdBy: contract.createdByName,
      warnings: (JSON.parse(contract.warnings) as string[]).length,
      diff: previous === undefined ? null : { href: diffHref(key, previous, contract.version), label: `Compare v${previous} → v${contract.version}` },
    };
  });
}

type PresentedAssessment = ReturnType<typeof presentAssessment>;

export function presentRiskHistory(history: PresentedAssessment[]) {
  return history.map((a) => ({
    id: a.id,
    current: a.current,
    state: a.current ? { value: 'active', label: 'Current' } : { value: 'superseded', label: 'Superseded' },
    risk: riskBadge(a.level),
    levelLabel: a.assurance?.label ?? words(a.level),
    testDepth: words(a.assurance?.testDepth),
    scope: a.scope,
    model: `${a.model.id} ${a.model.version}`,
    modelStatus: a.modelStatus,
    modelChanged: a.modelChangedSince,
    rationale: a.rationale,
    answers: Object.entries(a.answers).map(([factor, answer]) => ({ factor: words(factor), answer: words(answer) })),
    notes: a.notes,
    assessedBy: a.assessedBy.name,
    assessedAt: a.assessedAt,
    reviewDue: a.reviewDue,
  }));
}

export function presentRequirements(rows: Array<{ requirement: Requirement; scenarios: string[] }>) {
  return rows.map(({ requirement, scenarios }) => ({
    key: requirement.key,
    version: requirement.version,
    type: words(requirement.type),
    text: requirement.text,
    risk: words(requirement.risk),
    status: { value: requirement.status, label: words(requirement.status) },
    scenarios,
  }));
}

export function presentScenarios(rows: Scenario[], currentContract: number | null) {
  return rows.map((s) => {
    const definition = JSON.parse(s.definition) as ScenarioDefinition;
    return {
      key: s.key,
      version: s.version,
      name: s.name,
      category: words(s.category),
      steps: definition.steps.length,
      requirements: definition.requirements ?? [],
      contractVersion: s.contractVersion,
      forOtherContract: currentContract !== null && s.contractVersion !== currentContract,
    };
  });
}

export function presentInterfaceDetail(view: InterfaceView) {
  return {
    key: view.key,
    name: view.name,
    status: { value: view.status, label: words(view.status) },
    risk: riskBadge(view.riskLevel),
    layer: words(view.layer),
    pattern: words(view.pattern),
    direction: words(view.direction),
    sourceSystem: view.sourceSystem,
    targetSystem: view.targetSystem,
    messageTypes: view.messageTypes,
    dataDomains: view.dataDomains.map(words),
    gxp: view.gxpRelevant ? 'Yes' : 'No',
    intendedUse: view.intendedUse,
    owner: view.owner,
    reviewDue: view.reviewDue,
    retiredReason: view.retiredReason,
    environments: Object.entries(view.environments).map(([name, baseUrl]) => ({ name, baseUrl })),
    currentContractVersion: view.currentContractVersion,
    currentContractHref: view.currentContractVersion ? contractHref(view.key, view.currentContractVersion) : null,
  };
}

/** One contract version: metadata, targets, warnings and the document pretty-printed. */
export function presentContract(key: string, contract: Contract, newest: number | null) {
  const targets = JSON.parse(contract.targets) as Array<{ name?: string; kind?: string }>;
  return {
    version: contract.version,
    current: newest === contract.version,
    format: contract.format,
    specVersion: contract.specVersion,
    digest: contract.digest,
    note: contract.note,
    createdAt: contract.createdAt,
    createdBy: contract.createdByName,
    targets: targets.map((t) => ({ name: t.name ?? '', kind: words(t.kind) })),
    warnings: JSON.parse(contract.warnings) as string[],
    document: JSON.stringify(JSON.parse(contract.document), null, 2),
    previous: contract.version > 1 ? { href: diffHref(key, contract.version - 1, contract.version), label: `Compare with v${contract.version - 1}` } : null,
    next: newest !== null && contract.version < newest ? { href: diffHref(key, contract.version, contract.version + 1), label: `Compare with v${contract.version + 1}` } : null,
  };
}

/** The diff: changes listed breaking first, each said in words, and the two documents side by side. */
export function presentDiff(key: string, diff: ContractDiff & { from: number; to: number; text: string }, before: Contract, after: Contract) {
  const changes = [...diff.changes].sort((a, b) => Number(b.classification === 'breaking') - Number(a.classification === 'breaking'));
  return {
    from: diff.from,
    to: diff.to,
    breaking: diff.breaking,
    verdict: diff.changes.length === 0 ? 'No changes between these versions.' : diff.breaking ? `Breaking: ${diff.summary.breaking} breaking and ${diff.summary.nonBreaking} non-breaking changes.` : `Not breaking: ${diff.summary.nonBreaking} non-breaking changes.`,
    summary: diff.summary,
    changes: changes.map((c) => ({
      target: c.target,
      path: c.path || '(root)',
      rule: words(c.rule),
      description: c.description,
      breaking: c.classification === 'breaking',
      classification: c.classification === 'breaking' ? { value: 'broken', label: `Breaking for ${c.breakingFor.join(' and ')}` } : { value: 'passed', label: 'Non-breaking' },
      before: c.before === undefined ? null : JSON.stringify(c.before),
      after: c.after === undefined ? null : JSON.stringify(c.after),
    })),
    before: { version: before.version, href: contractHref(key, before.version), digest: before.digest, document: JSON.stringify(JSON.parse(before.document), null, 2) },
    after: { version: after.version, href: contractHref(key, after.version), digest: after.digest, document: JSON.stringify(JSON.parse(after.document), null, 2) },
  };
}
