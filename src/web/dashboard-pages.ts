// The dashboard: what needs attention across the portfolio, for whoever is signed in.
import type { Services } from '../services.js';
import type { PageRouter } from './page-router.js';

export function registerDashboardPages(pages: PageRouter, _services: Services): void {
  pages.add({
    method: 'get',
    path: '/',
    permission: 'registry:read',
    summary: 'Dashboard',
    handler: async () => ({ view: 'dashboard', title: 'Dashboard', model: { nav: 'dashboard' } }),
  });
}
