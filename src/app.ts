// The express application: middleware order, routers, error handling. Routes are declared through
// ApiRouter (permission, schemas); the app refuses to build if any route is not.
import express, { type Express } from 'express';
import helmet from 'helmet';
import { registerAuditRoutes } from './audit/audit-routes.js';
import { registerAccessGrantRoutes } from './auth/access-grant-routes.js';
import { registerAuthRoutes } from './auth/auth-routes.js';
import { createRequestGuard } from './auth/request-guard.js';
import { isPermission } from './auth/roles.js';
import { registerSecurityAlertRoutes } from './auth/security-alert-routes.js';
import { registerUserRoutes } from './auth/user-routes.js';
import { ApiRouter, assertEveryRouteDeclared, type RouteSpec } from './platform/http/api-router.js';
import { correlationId } from './platform/http/correlation.js';
import { createErrorHandler } from './platform/http/error-handler.js';
import { RouteNotFoundError } from './platform/http/http-errors.js';
import { registerSystemRoutes } from './platform/http/system-routes.js';
import type { Services } from './services.js';
import type { PageSpec } from './web/page-router.js';
import { createPageRouter, mountWebPages } from './web/web-app.js';
import { createSimulatorApp } from './simulators/contract-simulator.js';
import { registerEvidenceRoutes } from './evidence/evidence-routes.js';
import { registerContractRoutes } from './registry/contract-routes.js';
import { registerRegistryRoutes } from './registry/registry-routes.js';
import { registerPlatformRoutes } from './registry/platform-routes.js';
import { registerRequirementRoutes } from './registry/requirement-routes.js';
import { registerRiskRoutes } from './risk/risk-routes.js';
import { registerDeviationRoutes } from './scenarios/deviation-routes.js';
import { registerPackageRoutes } from './packages/package-routes.js';
import { registerChangeRoutes } from './changes/change-routes.js';
import { registerPeriodicReviewRoutes } from './changes/periodic-review-routes.js';
import { registerRunEvidenceRoutes } from './scenarios/run-evidence-routes.js';
import { registerScenarioRoutes } from './scenarios/scenario-routes.js';
import { registerSignatureRoutes } from './signatures/signature-routes.js';

/**
 * No inline script or style, nothing from another origin: a page can only run the scripts and
 * styles this server ships (`/assets`), post its forms here, and never be framed.
 */
const STRICT_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
};

export interface AppOptions {
  /** Extra routes mounted before the 404 handler (tests use it to prove undeclared routes are refused). */
  extend?: (app: Express, api: ApiRouter) => void;
}

export function createApp(services: Services, options: AppOptions = {}): Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: STRICT_CSP } }));
  app.use(correlationId);
  const api = new ApiRouter(createRequestGuard(services.auth), isPermission, config.http.bodyLimitBytes);
  registerSystemRoutes(api, services.database, services.keyring);
  registerAuthRoutes(api, services.auth, services.passwordPolicy, config.auth.loginRateLimitPerMinute);
  registerUserRoutes(api, services.users, services.accessGrants);
  registerAccessGrantRoutes(api, services.accessGrants);
  registerSecurityAlertRoutes(api, services.alerts);
  registerAuditRoutes(api, services.audit, services.checkpoints, services.database, services.keyring, services.auditExports);
  registerSignatureRoutes(api, services.signatures, config.auth.signingRateLimitPerMinute);
  registerEvidenceRoutes(api, services.evidence);
  registerRegistryRoutes(api, services.systems, services.interfaces, services.registryTransfer, config.http.importBodyLimitBytes, services.now);
  registerPlatformRoutes(api, services.platforms);
  registerContractRoutes(api, services.contracts, config.http.contractMaxBytes);
  registerRequirementRoutes(api, services.requirements);
  registerRiskRoutes(api, services.riskModels, services.assessments, services.interfaces);
  registerScenarioRoutes(api, services.scenarios, services.runs);
  registerDeviationRoutes(api, services.deviations);
  registerPackageRoutes(api, services.packages, services.signatures, services.packageExports);
  registerChangeRoutes(api, services.changes, services.signatures, services.changeExports);
  registerRunEvidenceRoutes(api, services.runEvidence);
  registerPeriodicReviewRoutes(api, services.periodicReview);
  options.extend?.(app, api);
  app.use(api.router);
  // The web pages: views over the same services, declared and authorized like the API.
  const pages = createPageRouter(services);
  mountWebPages(app, pages);
  // The simulated ERP, WMS, serialization and trading-partner endpoints: a separate, public app.
  if (config.simulators) app.use('/sim', createSimulatorApp());

  app.use((req, _res, next) => next(new RouteNotFoundError(req.method, req.path)));
  app.use(createErrorHandler(logger));

  assertEveryRouteDeclared((app as unknown as { router: { stack: never[] } }).router.stack);
  app.locals.routes = api.specs;
  app.locals.pages = pages.specs;
  return app;
}

/** Every page route (the role × page authorization table has a row for each). */
export function declaredPages(app: Express): PageSpec[] {
  return app.locals.pages as PageSpec[];
}

export function declaredRoutes(app: Express): RouteSpec[] {
  return app.locals.routes as RouteSpec[];
}
