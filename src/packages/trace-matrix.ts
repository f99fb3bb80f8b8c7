// The trace matrix of a package (requirement → scenario → run → step result → evidence) and the
// open items that keep it from approval, computed from the manifest's frozen parts alone, so the
// PDF, the API and an offline reader of the bundle all see the same gaps.
import { CATEGORIES_BY_DEPTH } from '../scenarios/scenario-schema.js';
import type { ManifestDeviation, ManifestRequirement, ManifestRun, ManifestScenario, ManifestScopeItem, ManifestStep, TraceRow } from './package-manifest.js';

export interface TraceInputs {
  scope: ManifestScopeItem[];
  requirements: ManifestRequirement[];
  scenarios: ManifestScenario[];
  runs: ManifestRun[];
  deviations: ManifestDeviation[];
}

/** The newest run for record that executed this version of the scenario, or null. */
export function latestRunOf(runs: ManifestRun[], scenario: ManifestScenario): ManifestRun | null {
  let latest: ManifestRun | null = null;
  for (const run of runs) {
    if (run.interfaceKey !== scenario.interfaceKey) continue;
    if (!run.steps.some((s) => s.scenarioKey === scenario.key && s.scenarioVersion === scenario.version)) continue;
    if (!latest || run.id > latest.id) latest = run;
  }
  return latest;
}

function closedDeviationFor(deviations: ManifestDeviation[], runId: number, step: ManifestStep): ManifestDeviation | null {
  return deviations.find((d) => d.runId === runId && d.stepPosition === step.position && d.status === 'closed') ?? null;
}

export function traceMatrix({ requirements, scenarios, runs, deviations }: TraceInputs): TraceRow[] {
  const rows: TraceRow[] = [];
  for (const requirement of requirements) {
    const base = { interfaceKey: requirement.interfaceKey, requirementKey: requirement.key };
    const verifying = scenarios.filter((s) => s.interfaceKey === requirement.interfaceKey && s.requirements.includes(requirement.key));
    if (verifying.length === 0) {
      rows.push({ ...base, scenarioKey: null, runId: null, stepPosition: null, result: null, evidence: [], gap: 'no_scenario' });
      continue;
    }
    for (const scenario of verifying) {
      const run = latestRunOf(runs, scenario);
      if (!run) {
        rows.push({ ...base, scenarioKey: scenario.key, runId: null, stepPosition: null, result: null, evidence: [], gap: 'not_run_for_record' });
        continue;
      }
      for (const step of run.steps.filter((s) => s.scenarioKey === scenario.key)) {
        const failed = step.status !== 'passed';
        rows.push({
          ...base,
          scenarioKey: scenario.key,
          runId: run.id,
          stepPosition: step.position,
          result: step.status,
          evidence: [step.evidence.request, step.evidence.response].filter((d): d is string => d !== null),
          gap: failed && !closedDeviationFor(deviations, run.id, step) ? 'failed_without_closed_deviation' : null,
        });
      }
    }
  }
  return rows;
}

/**
 * Everything in the frozen content that stands between the package and approval, in words (CSA
 * step 4: issues found and their resolution) — the refusals issue 13 names. A requirement that no
 * scenario verifies is not one of them: it is a gap the trace matrix flags (`no_scenario`) and the
 * summary counts, verified outside the workbench (vendor evidence, procedure) as the plan says.
 */
export function openItemsOf(inputs: TraceInputs): string[] {
  const items: string[] = [];
  for (const item of inputs.scope) {
    if (item.assessmentId === null) items.push(`${item.interfaceKey} has no current risk assessment.`);
  }
  for (const item of inputs.scope) {
    if (item.testDepth === null) continue;
    const categories = CATEGORIES_BY_DEPTH[item.testDepth] ?? [];
    for (const scenario of inputs.scenarios.filter((s) => s.interfaceKey === item.interfaceKey && (categories as string[]).includes(s.category))) {
      const run = latestRunOf(inputs.runs, scenario);
      if (!run) items.push(`Scenario ${scenario.key} v${scenario.version} (${scenario.category}) of ${item.interfaceKey} has no run for record at contract version ${item.contractVersion}.`);
      else if (run.steps.some((s) => s.scenarioKey === scenario.key && s.status !== 'passed')) {
        items.push(`Scenario ${scenario.key} v${scenario.version} (${scenario.category}) of ${item.interfaceKey} did not pass in its latest run for record (run ${run.id}).`);
      }
    }
  }
  for (const run of inputs.runs) {
    for (const step of run.steps.filter((s) => s.status !== 'passed')) {
      if (!closedDeviationFor(inputs.deviations, run.id, step)) {
        items.push(`Run ${run.id} step ${step.position} (${step.name}) ${step.status}: no closed deviation covers it.`);
      }
    }
  }
  return items;
}

/**
 * Whether a trace gap keeps the package from approval (`blocking`: it is one of its open items) or
 * is only noted: a requirement no scenario verifies (verified outside the workbench, as the plan
 * says), or a scenario of a category beyond the test depth the interface's risk asks for, not run.
 */
export function gapWeight(row: TraceRow, inputs: Pick<TraceInputs, 'scope' | 'scenarios'>): 'blocking' | 'noted' | null {
  if (row.gap === null) return null;
  if (row.gap === 'failed_without_closed_deviation') return 'blocking';
  if (row.gap === 'no_scenario') return 'noted';
  const item = inputs.scope.find((s) => s.interfaceKey === row.interfaceKey);
  const scenario = inputs.scenarios.find((s) => s.interfaceKey === row.interfaceKey && s.key === row.scenarioKey);
  const required = item?.testDepth ? ((CATEGORIES_BY_DEPTH[item.testDepth] ?? []) as string[]) : [];
  return scenario && required.includes(scenario.category) ? 'blocking' : 'noted';
}

/** Requirements no scenario in the package verifies, as `KEY (interface)`. */
export function unverifiedRequirementsOf(inputs: Pick<TraceInputs, 'requirements' | 'scenarios'>): string[] {
  return inputs.requirements
    .filter((r) => !inputs.scenarios.some((s) => s.interfaceKey === r.interfaceKey && s.requirements.includes(r.key)))
    .map((r) => `${r.key} (${r.interfaceKey})`);
}
