// Synthetic change records for the change record PDF's tests: a MuleSoft runtime upgrade reaching
// three interfaces, with triaged (and one untriaged) release items, regression runs (one failing,
// covered by a deviation), signatures and an audit excerpt — built without a database,
// deterministic, and shaped to any state of the change's life.
import type { ChangeAuditEntry, ChangeDocumentInput, ChangeRunInput } from '../../src/changes/change-document.js';
import type { ChangeState, ImpactAnalysis, ReleaseItem } from '../../src/changes/change-types.js';
import { sha256, shippedTexts } from './package-fixtures.js';

export interface ChangeFixtureOptions {
  state?: ChangeState;
  /** Regression runs linked to the change (default 3); the second of every three fails its last step. */
  runCount?: number;
  stepsPerRun?: number;
  auditEvents?: number;
}

const INTERFACES: ImpactAnalysis['interfaces'] = [
  { key: 'IF-ERP-WMS-001', name: 'Outbound deliveries', riskLevel: 'high', via: ['platform'] },
  { key: 'IF-WMS-SER-002', name: 'Shipping events to serialization', riskLevel: 'medium', via: ['platform', 'system'] },
  { key: 'IF-SER-TP-003', name: 'EPCIS commissioning to TraceLink', riskLevel: null, via: ['platform'] },
];

export const RELEASE_ITEMS: ReleaseItem[] = [
  {
    id: 'MULE-10211',
    title: 'Runtime audit log records connector retries',
    description: 'Retries of outbound HTTP connectors are now written to the runtime audit log with their correlation id.',
    rating: 'high',
    rationale: 'Touches the audit trail of regulated data flows: retried shipping events must keep their evidence chain.',
    interfaces: ['IF-ERP-WMS-001', 'IF-WMS-SER-002'],
  },
  {
    id: 'MULE-10388',
    title: 'DataWeave 2.8 changes null handling in mapObject',
    description: null,
    rating: 'medium',
    rationale: 'Core mapping behaviour of the delivery payloads changes.',
    interfaces: ['IF-ERP-WMS-001'],
  },
  { id: 'MULE-10402', title: 'New alert for certificate expiry', description: null, rating: 'low', rationale: 'Notification only; no data flow changes.', interfaces: [] },
  { id: 'MULE-10455', title: 'Runtime Manager dark theme', description: null, rating: 'n/a', rationale: 'Cosmetic: console appearance only.', interfaces: [] },
  { id: 'MULE-10470', title: 'Kafka connector 4.9 rebalancing', description: 'Consumer groups rebalance cooperatively.', rating: null, rationale: null, interfaces: [] },
];

const STATE_ORDER: ChangeState[] = ['logged', 'assessed', 'approved-for-testing', 'tested', 'approved-for-implementation', 'implemented', 'closed'];

const PEOPLE = { it: 'Marco Alvarez', qa: 'Dana Whitfield' };

/** The states a change went through to reach `state` (rejected/cancelled from "assessed"). */
function pathTo(state: ChangeState): ChangeState[] {
  if (state === 'rejected' || state === 'cancelled') return ['logged', 'assessed', state];
  return STATE_ORDER.slice(0, STATE_ORDER.indexOf(state) + 1);
}

function at(day: number, hour = 9): string {
  return new Date(Date.UTC(2026, 10, day, hour, 0, 0)).toISOString();
}

export function buildChangeRun(id: number, interfaceKey: string, options: { steps?: number; fail?: boolean } = {}): ChangeRunInput {
  const stepCount = options.steps ?? 3;
  const steps = Array.from({ length: stepCount }, (_, i) => {
    const position = i + 1;
    const fails = options.fail === true && position === stepCount;
    return {
      position,
      name: ['Post delivery message', 'Receive shipping event', 'Check EPCIS event order', 'Reject malformed GTIN'][i % 4]!,
      status: fails ? 'failed' : 'passed',
      expected: 'status 202 and an acknowledgement naming the message id',
      actual: fails ? `run ${id}: expected status 202, got 500` : `run ${id}: status 202, acknowledgement ${id}-${position}`,
      evidence: [sha256(`evidence ${id} ${position} request`), sha256(`evidence ${id} ${position} response`)],
    };
  });
  const failed = steps.filter((s) => s.status !== 'passed').length;
  return {
    id,
    interfaceKey,
    environment: 'test',
    status: failed ? 'failed' : 'passed',
    assurance: 'High process risk, full testing',
    startedAt: at(14, 10),
    finishedAt: new Date(Date.parse(at(14, 10)) + 42_000).toISOString(),
    passed: stepCount - failed,
    failed,
    errors: 0,
    steps,
  };
}

/** Audit events, generated as they are read. */
export async function* changeAuditExcerpt(count: number): AsyncIterable<ChangeAuditEntry> {
  for (let seq = 1; seq <= count; seq += 1) {
    yield {
      seq: 5000 + seq,
      occurredAt: new Date(Date.UTC(2026, 10, 10, 8, 0, 0) + seq * 1000).toISOString(),
      actorName: seq % 3 === 0 ? PEOPLE.qa : PEOPLE.it,
      action: ['change.create', 'change.transition', 'run.finish', 'change.update'][seq % 4]!,
      entityType: ['change', 'change', 'run', 'change'][seq % 4]!,
      entityId: seq % 4 === 2 ? String(7000 + seq) : '7',
      reason: seq % 4 === 1 ? 'Moved on after QA review' : null,
    };
  }
}

export function buildChangeDocumentInput(options: ChangeFixtureOptions & Partial<ChangeDocumentInput> = {}): ChangeDocumentInput {
  const { state = 'tested', runCount, stepsPerRun, auditEvents, ...rest } = options;
  const states = pathTo(state);
  const reached = (s: ChangeState) => states.includes(s);
  const history = states.map((s, i) => ({
    state: s,
    at: at(10 + i, 9 + (i % 3)),
    by: s === 'approved-for-testing' || s === 'approved-for-implementation' || s === 'closed' || s === 'rejected' ? PEOPLE.qa : PEOPLE.it,
    reason: s === 'rejected' ? 'Vendor withdrew 4.9.0; wait for 4.9.1.' : s === 'cancelled' ? 'Superseded by CR-0009.' : s === 'logged' ? null : `Moved to ${s}`,
  }));
  const impact: ImpactAnalysis | null = reached('assessed')
    ? {
        computedAt: at(11, 8),
        interfaces: INTERFACES,
        contractDiff: null,
        regression: [
          {
            interfaceKey: 'IF-ERP-WMS-001',
            environment: 'test',
            testDepth: 'full',
            categories: ['positive', 'negative', 'generated', 'smoke'],
            scenarios: ['SC-DLV-001', 'SC-DLV-002', 'SC-DLV-NEG-001'],
            reason: 'High process risk, and High item MULE-10211 reaches it: full depth.',
          },
          { interfaceKey: 'IF-WMS-SER-002', environment: 'test', testDepth: 'scripted-positive', categories: ['positive', 'smoke'], scenarios: ['SC-SHP-001'], reason: 'Medium risk; reached by High item MULE-10211: scripted positive.' },
          { interfaceKey: 'IF-SER-TP-003', environment: 'test', testDepth: 'smoke', categories: ['smoke'], scenarios: [], reason: 'Not assessed: smoke only until assessed; no smoke scenario exists.' },
        ],
        rationale: 'IF-SER-TP-003 kept in scope although only its platform is shared: it carries DSCSA data.',
      }
    : null;
  const runs = reached('tested')
    ? Array.from({ length: runCount ?? 3 }, (_, i) => buildChangeRun(9100 + i, INTERFACES[i % INTERFACES.length]!.key, { steps: stepsPerRun ?? 3, fail: i % 3 === 1 }))
    : [];
  const failedRuns = runs.filter((r) => r.status !== 'passed');
  const deviations = failedRuns.map((run, i) => ({
    id: 300 + i,
    runId: run.id,
    stepPosition: run.steps.length,
    title: 'Acknowledgement missing after runtime upgrade',
    status: reached('approved-for-implementation') ? 'closed' : 'open',
    resolution: reached('approved-for-implementation') ? 'Connector timeout raised to 30 s in the runtime configuration; re-run passed.' : null,
  }));
  const signature = (id: number, meaning: string, s: ChangeState, version: number, reason: string) => ({
    id,
    signerName: PEOPLE.qa,
    signerRole: 'qa',
    meaning,
    signedAt: history.find((h) => h.state === s)!.at,
    reason,
    valid: true,
    problem: null,
    signerAccess: 'signing access granted 2026-01-05 08:00:00 UTC by Ada Admin-Reviewer (access grant 4)',
    recordVersion: version,
  });
  const signatures = [
    ...(reached('approved-for-testing') ? [signature(41, 'approved', 'approved-for-testing', 3, 'Impact and triage reviewed; regression approved for testing.')] : []),
    ...(reached('approved-for-implementation') ? [signature(42, 'approved', 'approved-for-implementation', 6, 'Regression passed; the deviation is closed.')] : []),
    ...(reached('closed') ? [signature(43, 'verified', 'closed', 8, 'Production version verified.')] : []),
  ];
  const required = [
    { meaning: 'approved', roles: ['qa'], source: 'change: approval for testing', given: reached('approved-for-testing') },
    { meaning: 'approved', roles: ['qa'], source: 'change: approval for implementation', given: reached('approved-for-implementation') },
    { meaning: 'verified', roles: ['qa'], source: 'change: closure', given: reached('closed') },
  ];
  const terminal = state === 'rejected' || state === 'cancelled';
  return {
    change: {
      id: 7,
      key: 'CR-0007',
      type: 'vendor-release',
      title: 'MuleSoft Runtime 4.6 to 4.9 upgrade',
      state,
      platform: 'MuleSoft Runtime',
      system: 'Manhattan Active WMS',
      interface: null,
      product: 'Mule 4 runtime',
      versionFrom: '4.6.3',
      versionTo: '4.9.0',
      description: 'Upgrade the Mule runtime of the integration platform from 4.6.3 to 4.9.0 (vendor LTS release).',
      justification: 'Mule 4.6 leaves extended support in March 2027; 4.9 is the LTS line.',
      plannedDate: '2026-12-15',
      environments: ['test', 'production'],
      requestedBy: PEOPLE.it,
      requestedAt: at(10, 9),
      implementedAt: history.find((h) => h.state === 'implemented')?.at ?? null,
      implementedVersion: reached('implemented') ? '4.9.0' : null,
      closedAt: history.find((h) => h.state === 'closed')?.at ?? null,
      stateReason: terminal ? history[history.length - 1]!.reason : null,
      releaseNotes: [
        { digest: sha256('mule 4.9.0 release notes'), name: 'mule-runtime-4.9.0-release-notes.pdf', size: 482_113 },
        { digest: sha256('mule 4.9.0 known issues'), name: null, size: 912 },
      ],
    },
    history,
    impact,
    releaseItems: RELEASE_ITEMS,
    runs,
    deviations,
    signatures,
    requiredSignatures: required,
    auditExcerpt: changeAuditExcerpt(auditEvents ?? 12),
    verification: {
      checkpoint: { treeSize: 48_213, rootHash: sha256('checkpoint root'), keyId: 'k-2026-01', createdAt: '2026-12-06T09:59:00.000Z' },
      keyFingerprints: [{ keyId: 'k-2026-01', fingerprint: sha256('public key k-2026-01') }],
      recordDigest: sha256(`change CR-0007 ${state}`),
      auditVerified: true,
    },
    generatedAt: '2026-12-06T10:00:00.000Z',
    generatedBy: 'Ada Auditor',
    texts: shippedTexts(),
    ...rest,
  };
}
