// GET /api/v1/reviews/periodic: the periodic review list (Annex 11 §11), read by every role.
import type { ApiRouter } from '../platform/http/api-router.js';
import type { PeriodicReview } from './periodic-review.js';

export function registerPeriodicReviewRoutes(api: ApiRouter, review: PeriodicReview): void {
  api.add({
    method: 'get',
    path: '/api/v1/reviews/periodic',
    permission: 'registry:read',
    tag: 'changes',
    summary: "What is due for periodic review: interfaces whose risk assessment or last validation is older than their level's review period, GxP interfaces in use never validated, and open changes past their planned date",
    handler: async () => review.list(),
  });
}
