// Outside views of runs: JSON, JUnit XML (for CI servers) and CTRF JSON (common test report format).
import type { Run, RunStep } from './scenario-models.js';
import { RUNNER_VERSION } from './run-service.js';

export function presentRun(run: Run, steps?: RunStep[]) {
  return {
    id: run.id,
    status: run.status,
    interface: run.interfaceKey,
    contract: { version: run.contractVersion, digest: run.contractDigest },
    environment: { name: run.environment, baseUrl: run.baseUrl, reference: run.environmentReference ?? null },
    dryRun: Boolean(run.dryRun),
    assurance: JSON.parse(run.assurance) as unknown,
    scenarios: JSON.parse(run.scenarios) as unknown,
    runnerVersion: run.runnerVersion,
    seed: run.seed,
    startedBy: { id: run.startedBy, name: run.startedByName },
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    summary: run.summary === null ? null : (JSON.parse(run.summary) as unknown),
    ...(steps ? { steps: steps.map(presentStep) } : {}),
  };
}

export function presentStep(step: RunStep) {
  return {
    position: step.position,
    scenario: { key: step.scenarioKey, version: step.scenarioVersion, category: step.category },
    name: step.name,
    requirements: JSON.parse(step.requirements) as string[],
    status: step.status,
    expected: JSON.parse(step.expected) as unknown,
    actual: JSON.parse(step.actual) as unknown,
    message: step.message,
    durationMs: step.durationMs,
    evidence: { request: step.requestEvidence, response: step.responseEvidence },
  };
}

/** Characters XML 1.0 cannot carry at all (§2.2): controls, lone surrogates, U+FFFE and U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const xml = (text: string) => text.replace(NOT_XML_CHAR, '').replace(/[<>&'"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`);
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * Why a finished run did not pass when no step says so — it was aborted, or could not execute at all
 * — or null. Reports carry it as one more errored test, so a CI server never reads such a run as green.
 */
export function runLevelProblem(run: Run, steps: RunStep[]): string | null {
  if (run.status !== 'aborted' && run.status !== 'error') return null;
  if (run.status === 'error' && steps.some((s) => s.status === 'error')) return null;
  const summary = run.summary === null ? {} : (JSON.parse(run.summary) as { error?: string; reason?: string });
  return `The run ended ${run.status}${summary.error ?? summary.reason ? `: ${summary.error ?? summary.reason}` : ''}.`;
}

/** JUnit XML: one testsuite per scenario, one testcase per step (the schema CI servers read). */
export function junitOf(run: Run, steps: RunStep[]): string {
  const problem = runLevelProblem(run, steps);
  const suites = new Map<string, RunStep[]>();
  for (const step of steps) suites.set(step.scenarioKey, [...(suites.get(step.scenarioKey) ?? []), step]);
  const count = (list: RunStep[], status: string) => list.filter((s) => s.status === status).length;
  const total = (list: RunStep[]) => list.reduce((ms, s) => ms + s.durationMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`${run.interfaceKey} run ${run.id}`)}" tests="${steps.length + (problem ? 1 : 0)}" failures="${count(steps, 'failed')}" errors="${count(steps, 'error') + (problem ? 1 : 0)}" time="${seconds(total(steps))}">`,
  ];
  const properties = (indent: string) => {
    lines.push(`${indent}<properties>`);
    for (const [name, value] of [['run', String(run.id)], ['status', run.status], ['interface', run.interfaceKey], ['contractVersion', String(run.contractVersion)], ['contractDigest', run.contractDigest], ['environment', run.environment], ['baseUrl', run.baseUrl], ...(run.environmentReference ? [['environmentReference', run.environmentReference]] : []), ['runner', RUNNER_VERSION], ['seed', run.seed], ['dryRun', String(Boolean(run.dryRun))]]) {
      lines.push(`${indent}  <property name="${name}" value="${xml(value!)}"/>`);
    }
    lines.push(`${indent}</properties>`);
  };
  if (problem) {
    lines.push(`  <testsuite name="run" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${xml((run.startedAt ?? run.queuedAt).slice(0, 19))}">`);
    properties('    ');
    lines.push(`    <testcase classname="${xml(`${run.interfaceKey}.run`)}" name="run ${run.id} outcome" time="0.000">`);
    lines.push(`      <error message="${xml(problem)}" type="${run.status}">${xml(run.summary ?? '')}</error>`);
    lines.push('    </testcase>');
    lines.push('  </testsuite>');
  }
  for (const [key, list] of suites) {
    lines.push(`  <testsuite name="${xml(key)}" tests="${list.length}" failures="${count(list, 'failed')}" errors="${count(list, 'error')}" skipped="0" time="${seconds(total(list))}" timestamp="${xml((run.startedAt ?? run.queuedAt).slice(0, 19))}">`);
    properties('    ');
    for (const step of list) {
      lines.push(`    <testcase classname="${xml(`${run.interfaceKey}.${key}`)}" name="${xml(`${step.position}. ${step.name}`)}" time="${seconds(step.durationMs)}">`);
      if (step.status !== 'passed') {
        const tag = step.status === 'error' ? 'error' : 'failure';
        lines.push(`      <${tag} message="${xml(step.message ?? step.status)}" type="${step.status}">${xml(`expected: ${step.expected}\nactual: ${step.actual}`)}</${tag}>`);
      }
      lines.push(`      <system-out>${xml(`evidence request ${step.requestEvidence ?? '-'} response ${step.responseEvidence ?? '-'}`)}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** CTRF (Common Test Report Format) JSON. */
export function ctrfOf(run: Run, steps: RunStep[]) {
  const problem = runLevelProblem(run, steps);
  const runTest = problem ? [{ name: `run ${run.id} outcome`, status: 'other', duration: 0, suite: [run.interfaceKey, 'run'], message: problem }] : [];
  const start = Date.parse(run.startedAt ?? run.queuedAt);
  const stop = run.finishedAt ? Date.parse(run.finishedAt) : start;
  return {
    reportFormat: 'CTRF',
    specVersion: '0.0.0',
    generatedBy: RUNNER_VERSION,
    ...(run.finishedAt ? { timestamp: run.finishedAt } : {}),
    results: {
      tool: { name: 'gxpw', version: RUNNER_VERSION },
      summary: {
        tests: steps.length + runTest.length,
        passed: steps.filter((s) => s.status === 'passed').length,
        failed: steps.filter((s) => s.status === 'failed').length,
        pending: 0,
        skipped: 0,
        other: steps.filter((s) => s.status === 'error').length + runTest.length,
        start,
        stop,
      },
      tests: [
        ...steps.map((step) => ({
          name: `${step.scenarioKey} › ${step.position}. ${step.name}`,
          status: step.status === 'error' ? 'other' : step.status,
          duration: step.durationMs,
          suite: [run.interfaceKey, step.scenarioKey],
          ...(step.message ? { message: step.message } : {}),
          extra: { requirements: JSON.parse(step.requirements) as string[], evidence: { request: step.requestEvidence, response: step.responseEvidence } },
        })),
        ...runTest,
      ],
      environment: { appName: run.interfaceKey, testEnvironment: run.environment, buildName: `run ${run.id}`, extra: { runStatus: run.status, contractDigest: run.contractDigest, baseUrl: run.baseUrl, environmentReference: run.environmentReference ?? null, dryRun: Boolean(run.dryRun) } },
    },
  };
}

/**
 * The reports of a run that could not even be created (no assessment, no scenarios, an unknown
 * environment…): one errored test saying why, so a CI server shows the reason instead of
 * "no test report found".
 */
export function refusedRunReports(interfaceKey: string, reason: string, at: Date): { junit: string; ctrf: unknown } {
  const name = `${interfaceKey} run could not start`;
  const junit = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="1" failures="0" errors="1" time="0.000">`,
    `  <testsuite name="run" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${at.toISOString().slice(0, 19)}">`,
    `    <testcase classname="${xml(`${interfaceKey}.run`)}" name="run outcome" time="0.000">`,
    `      <error message="${xml(reason)}" type="not_started"/>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
  const ctrf = {
    reportFormat: 'CTRF',
    specVersion: '0.0.0',
    generatedBy: RUNNER_VERSION,
    timestamp: at.toISOString(),
    results: {
      tool: { name: 'gxpw', version: RUNNER_VERSION },
      summary: { tests: 1, passed: 0, failed: 0, pending: 0, skipped: 0, other: 1, start: at.getTime(), stop: at.getTime() },
      tests: [{ name: 'run outcome', status: 'other', duration: 0, suite: [interfaceKey, 'run'], message: reason }],
      environment: { appName: interfaceKey, extra: { runStatus: 'not_started' } },
    },
  };
  return { junit, ctrf };
}
