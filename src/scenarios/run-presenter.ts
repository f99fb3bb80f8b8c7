// Outside views of runs: JSON, JUnit XML (for CI servers) and CTRF JSON (common test report format).
import type { Run, RunStep } from './scenario-models.js';
import { RUNNER_VERSION } from './run-service.js';

export function presentRun(run: Run, steps?: RunStep[]) {
  return {
    id: run.id,
    status: run.status,
    interface: run.interfaceKey,
    contract: { version: run.contractVersion, digest: run.contractDigest },
    environment: { name: run.environment, baseUrl: run.baseUrl },
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

const xml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** JUnit XML: one testsuite per scenario, one testcase per step (the schema CI servers read). */
export function junitOf(run: Run, steps: RunStep[]): string {
  const suites = new Map<string, RunStep[]>();
  for (const step of steps) suites.set(step.scenarioKey, [...(suites.get(step.scenarioKey) ?? []), step]);
  const count = (list: RunStep[], status: string) => list.filter((s) => s.status === status).length;
  const total = (list: RunStep[]) => list.reduce((ms, s) => ms + s.durationMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`${run.interfaceKey} run ${run.id}`)}" tests="${steps.length}" failures="${count(steps, 'failed')}" errors="${count(steps, 'error')}" time="${seconds(total(steps))}">`,
  ];
  for (const [key, list] of suites) {
    lines.push(`  <testsuite name="${xml(key)}" tests="${list.length}" failures="${count(list, 'failed')}" errors="${count(list, 'error')}" skipped="0" time="${seconds(total(list))}" timestamp="${xml((run.startedAt ?? run.queuedAt).slice(0, 19))}">`);
    lines.push('    <properties>');
    for (const [name, value] of [['run', String(run.id)], ['interface', run.interfaceKey], ['contractVersion', String(run.contractVersion)], ['contractDigest', run.contractDigest], ['environment', run.environment], ['baseUrl', run.baseUrl], ['runner', RUNNER_VERSION], ['seed', run.seed], ['dryRun', String(Boolean(run.dryRun))]]) {
      lines.push(`      <property name="${name}" value="${xml(value!)}"/>`);
    }
    lines.push('    </properties>');
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
        tests: steps.length,
        passed: steps.filter((s) => s.status === 'passed').length,
        failed: steps.filter((s) => s.status === 'failed').length,
        pending: 0,
        skipped: 0,
        other: steps.filter((s) => s.status === 'error').length,
        start,
        stop,
      },
      tests: steps.map((step) => ({
        name: `${step.scenarioKey} › ${step.position}. ${step.name}`,
        status: step.status === 'error' ? 'other' : step.status,
        duration: step.durationMs,
        suite: [run.interfaceKey, step.scenarioKey],
        ...(step.message ? { message: step.message } : {}),
        extra: { requirements: JSON.parse(step.requirements) as string[], evidence: { request: step.requestEvidence, response: step.responseEvidence } },
      })),
      environment: { appName: run.interfaceKey, testEnvironment: run.environment, buildName: `run ${run.id}`, extra: { contractDigest: run.contractDigest, baseUrl: run.baseUrl, dryRun: Boolean(run.dryRun) } },
    },
  };
}
