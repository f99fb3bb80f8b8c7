// The dashboard: what needs attention across the portfolio, for whoever is signed in.
import type { Services } from '../services.js';
import { contributorsOf } from '../packages/package-model.js';
import type { PageRouter } from './page-router.js';
import type { Viewer } from './viewer.js';
import { heatMapOf } from './dashboard-views.js';

const LIST_LENGTH = 8;

export function registerDashboardPages(pages: PageRouter, services: Services): void {
  pages.add({
    method: 'get',
    path: '/',
    permission: 'registry:read',
    summary: 'Dashboard: portfolio heat map and what needs attention',
    handler: async ({ viewer }) => {
      const [views, review, openChanges, runs, awaiting, audit, unresolved] = await Promise.all([
        services.interfaces.views(services.now()),
        services.periodicReview.list(),
        services.changes.listOpen(),
        services.runs.list({ limit: 6 }),
        packagesAwaitingSignatureOf(services, viewer),
        auditStatus(services),
        Promise.all((['open', 'investigating', 'resolved'] as const).map((status) => services.deviations.list({ status }))),
      ]);
      // `resolved` lists only those QA has not approved yet: closed is a signed state, not a stored one.
      const [open, investigating, resolved] = unresolved;
      return {
        view: 'dashboard',
        title: 'Dashboard',
        model: {
          nav: 'dashboard',
          heatMap: heatMapOf(views),
          total: views.total,
          withoutContract: { count: views.withoutContract.length, keys: views.withoutContract.slice(0, LIST_LENGTH) },
          withoutAssessment: { count: views.withoutAssessment.length, keys: views.withoutAssessment.slice(0, LIST_LENGTH) },
          reviewsDue: { count: review.interfaces.length, items: review.interfaces.slice(0, LIST_LENGTH).map((i) => ({ key: i.key, name: i.name, reasons: i.reasons.map((r) => r.message) })) },
          openChanges: {
            count: openChanges.length,
            items: openChanges.slice(0, LIST_LENGTH).map((c) => ({ ...c, overdue: review.changes.some((o) => o.id === c.id) })),
          },
          awaiting,
          runs: runs.map((run) => ({ id: run.id, interfaceKey: run.interfaceKey, status: run.status, environment: run.environment, startedByName: run.startedByName, at: run.finishedAt ?? run.startedAt ?? run.queuedAt })),
          audit,
          deviations: { open: open.length + investigating.length, awaitingApproval: resolved.length },
        },
      };
    },
  });
}

/**
 * Packages in review that still need a signature the viewer's role can give and that the viewer
 * may give: not someone who created, edited or submitted that version (the service enforces it
 * again at signing).
 */
async function packagesAwaitingSignatureOf(services: Services, viewer: Viewer) {
  if (!viewer.can.recordsSign || viewer.userId === null) return { applies: false, items: [] };
  const inReview = await services.packages.list({ status: 'in-review' });
  const items = [];
  for (const row of inReview) {
    if (contributorsOf(row).includes(viewer.userId)) continue;
    const status = await services.signatures.signOffStatus('package', String(row.id), row.revision);
    const open = status.requirements.filter((r) => r.signatureId === null && (r.roles as string[]).includes(viewer.role ?? ''));
    if (open.length) items.push({ id: row.id, key: row.key, version: row.version, title: row.title, meanings: open.map((r) => r.meaning), submittedAt: row.submittedAt });
  }
  return { applies: true, items };
}

/** The last signed checkpoint and how many events were recorded after it (not yet under a signed root). */
async function auditStatus(services: Services) {
  const [checkpoint, head] = await Promise.all([services.checkpoints.latest(), services.models.AuditEvent.max('seq') as Promise<number | null>]);
  const events = Number(head ?? 0);
  return {
    events,
    checkpoint: checkpoint ? { treeSize: checkpoint.treeSize, createdAt: checkpoint.createdAt, keyId: checkpoint.keyId, rootHash: checkpoint.rootHash } : null,
    unsigned: Math.max(0, events - (checkpoint?.treeSize ?? 0)),
  };
}
