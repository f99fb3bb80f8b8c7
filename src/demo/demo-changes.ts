// The demo's change records, made through the real services after the demo runs: a vendor release
// taken to closure (triage, QA's signed approvals, a real regression, implementation recorded in
// the registry) and a quarterly release awaiting QA's approval for testing — what IT and QA meet
// first in change control.
import type { RequestContext } from '../platform/request-context.js';
import type { Services } from '../services.js';

export interface DemoChangesReport {
  closed: string | null;
  awaitingQa: string | null;
}

/** Signs with the demo password as `signer` (a signed-in context), the way a person would. */
type Signer = { ctx: RequestContext; username: string };

/**
 * Only on a workspace without change records. Without the demo password (a restart with one
 * generated earlier) the changes are logged and assessed but not signed.
 */
export async function seedDemoChanges(services: Services, people: { engineer: RequestContext; qaLead: Signer; reviewer: Signer }, password: string | null): Promise<DemoChangesReport> {
  if ((await services.changes.list()).length > 0) return { closed: null, awaitingQa: null };
  const { engineer, qaLead, reviewer } = people;
  const sign = async (signer: Signer, id: number, meaning: string) => {
    const row = await services.changes.get(id);
    await services.signatures.sign(signer.ctx, { recordType: 'change', recordId: String(id), version: row.currentVersion, meaning, reason: `change ${meaning}`, username: signer.username, password: password! });
  };
  const signRequired = async (id: number, step: string) => {
    // The IT review the risk model may ask first (QA gives it: the engineer logged the change), then QA's step.
    const row = await services.changes.get(id);
    const status = await services.signatures.signOffStatus('change', String(id), row.currentVersion);
    for (const requirement of status.requirements.filter((r) => r.signatureId === null && r.meaning !== step)) await sign(qaLead, id, requirement.meaning);
    await sign(reviewer, id, step);
  };

  const closed = await services.changes.log(engineer, {
    type: 'vendor-release',
    title: 'Kinaxis Maestro 2025.2 quarterly release',
    platform: 'Kinaxis Maestro',
    versionFrom: '2025.1',
    versionTo: '2025.2',
    description: 'Quarterly Maestro release: new supply-planning data import API version and notification settings.',
    justification: 'Vendor support for 2025.1 ends; the new import API fixes lot-expiry rounding.',
    plannedDate: isoDate(services.now(), -14),
    environments: ['test', 'production'],
    releaseItems: [
      { id: 'MAE-2025.2-01', title: 'Data import API v3: lot expiry dates kept to the day' },
      { id: 'MAE-2025.2-02', title: 'New e-mail notification templates' },
    ],
  });
  await services.changes.triage(engineer, closed.id, [
    { id: 'MAE-2025.2-01', rating: 'medium', rationale: 'Changes how the control tower reads lot and expiry data: core workflow of a regulated data flow, no audit trail or signature control touched.' },
    { id: 'MAE-2025.2-02', rating: 'low', rationale: 'Notifications only.' },
  ], 'release notes reviewed with the Kinaxis release impact assessment');
  await services.changes.transition(engineer, closed.id, { to: 'assessed', reason: 'impact analysis and triage complete' });
  let closedKey: string | null = null;
  if (password) {
    await signRequired(closed.id, 'approved');
    await services.changes.runRegression(engineer, closed.id, { wait: true });
    await services.changes.transition(engineer, closed.id, { to: 'tested', reason: 'regression passed in test' });
    await signRequired(closed.id, 'approved');
    await services.changes.transition(engineer, closed.id, { to: 'implemented', reason: 'deployed in the release window', implementedVersion: '2025.2', implementedAt: isoDate(services.now(), -3) });
    await sign(qaLead, closed.id, 'verified');
    closedKey = closed.key;
  }

  const open = await services.changes.log(engineer, {
    type: 'vendor-release',
    title: 'TraceLink 2026.11 release',
    platform: 'TraceLink',
    versionFrom: '2026.08',
    versionTo: '2026.11',
    description: 'TraceLink quarterly release: EPCIS 2.0 query changes and a new audit-log export.',
    justification: 'DSCSA enhanced drug distribution security: the partner network moves to the new release.',
    plannedDate: isoDate(services.now(), 21),
    environments: ['test', 'production'],
    releaseItems: [
      { id: 'TL-2026.11-07', title: 'Audit log export format changed' },
      { id: 'TL-2026.11-12', title: 'EPCIS query pagination' },
      { id: 'TL-2026.11-19', title: 'Portal colour scheme' },
    ],
  });
  await services.changes.triage(engineer, open.id, [
    { id: 'TL-2026.11-07', rating: 'high', rationale: 'Touches the audit trail of serialization records (Part 11 §11.10(e)).' },
    { id: 'TL-2026.11-12', rating: 'medium', rationale: 'Core workflow: how EPCIS histories are read by the trading-partner interfaces.' },
    { id: 'TL-2026.11-19', rating: 'n/a', rationale: 'Cosmetic.' },
  ], 'release notes triaged against the vendor release impact pattern');
  await services.changes.transition(engineer, open.id, { to: 'assessed', reason: 'impact analysis and triage complete; awaiting QA approval for testing' });
  return { closed: closedKey, awaitingQa: open.key };
}

function isoDate(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}
