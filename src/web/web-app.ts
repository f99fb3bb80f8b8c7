// The web pages: one PageRouter for every page, the static assets (served from this machine: no
// CDN), and the HTML 404. Each feature's pages live in their own `*-pages.ts` and are listed here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Services } from '../services.js';
import { PageRouter } from './page-router.js';
import { registerSessionPages } from './session-pages.js';
import { registerDashboardPages } from './dashboard-pages.js';
import { registerAuditPages } from './audit-pages.js';
import { registerAdminPages } from './admin-pages.js';
import { registerRunPages } from './run-pages.js';
import { registerPackagePages } from './package-pages.js';
import { registerSigningPages } from './signing-pages.js';
import { registerDeviationPages } from './deviation-pages.js';
import { registerChangePages } from './change-pages.js';
import { registerChangeImpactPages } from './change-impact-pages.js';
import { RouteNotFoundError } from '../platform/http/http-errors.js';

/** The stylesheet, scripts and icons shipped with the package (dist/src/web → ../../../public). */
const PUBLIC_DIR = fileURLToPath(new URL('../../../public', import.meta.url));

export function createPageRouter(services: Services): PageRouter {
  const pages = new PageRouter({
    auth: services.auth,
    keys: services.webKeys,
    views: services.pageViews,
    logger: services.logger,
    defaultTimeZone: services.config.web.timeZone,
    site: { product: 'GxP Integration Workbench', demo: services.config.demo.enabled },
  });
  registerSessionPages(pages, services);
  registerDashboardPages(pages, services);
  registerAuditPages(pages, services);
  registerAdminPages(pages, services);
  registerRunPages(pages, services);
  registerPackagePages(pages, services);
  registerSigningPages(pages, services);
  registerDeviationPages(pages, services);
  registerChangePages(pages, services);
  registerChangeImpactPages(pages, services);
  // Last in the page router: it sees only the errors of pages, never those of the API.
  pages.router.use(pages.errorHandler());
  return pages;
}

export function mountWebPages(app: Express, pages: PageRouter): void {
  app.use('/assets', express.static(path.resolve(PUBLIC_DIR), { index: false, maxAge: '1h', fallthrough: true }));
  app.use(pages.router);
  // An unknown page asked for by a browser gets the HTML 404; API clients keep the JSON one.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/api/') || req.path.startsWith('/sim/') || req.accepts(['json', 'html']) !== 'html') {
      next();
      return;
    }
    void pages.errorHandler()(new RouteNotFoundError(req.method, req.path), req, res, next);
  });
}
