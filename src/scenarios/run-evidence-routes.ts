// GET /api/v1/runs/:id/pdf: the run evidence PDF, an audited export.
import { sendExport } from '../audit/audited-export.js';
import type { ApiRouter } from '../platform/http/api-router.js';
import { idParams } from '../platform/http/common-schemas.js';
import type { RunEvidenceExport } from './run-evidence.js';

export function registerRunEvidenceRoutes(api: ApiRouter, runEvidence: RunEvidenceExport): void {
  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/runs/:id/pdf',
    permission: 'records:export',
    tag: 'runs',
    summary: 'The run evidence PDF: the run, its plan and assurance reason, every step with expected vs actual, the evidence index with SHA-256 digests, signatures (§11.50) and deviations; recorded as an export.created event with the SHA-256 of the bytes sent (409 while the run has not finished)',
    params: idParams,
    produces: ['application/pdf'],
    handler: async ({ params, ctx }, res) => sendExport(res, await runEvidence.exportPdf(ctx, params.id)),
  });
}
