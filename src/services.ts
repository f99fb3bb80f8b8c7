// The composition root: every service is created here, once, from the configuration. Nothing else
// calls `new SomeService()`, so tests build the whole system on a fresh database the same way.
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { defineAuditModels, type AuditModels } from './audit/audit-models.js';
import { AuditExportService } from './audit/audit-export.js';
import { AuditTrail } from './audit/audit-trail.js';
import { AuditedExports } from './audit/audited-export.js';
import { CheckpointService } from './audit/checkpoint-service.js';
import { CheckpointWitness, EVIDENCE_WITNESS_FILE } from './audit/checkpoint-witness.js';
import { RecordStates } from './audit/record-states.js';
import { AccessGrantService } from './auth/access-grant-service.js';
import { AUTH_RECORD_STATES, defineAuthModels, type AuthModels } from './auth/auth-models.js';
import { AuthService } from './auth/auth-service.js';
import { PasswordHasher } from './auth/password-hasher.js';
import { ChangeImpact } from './changes/change-impact.js';
import { CHANGE_RECORD_STATES, defineChangeModels } from './changes/change-model.js';
import { ChangeExporter } from './changes/change-export.js';
import { ChangeService } from './changes/change-service.js';
import { PeriodicReview } from './changes/periodic-review.js';
import { ManifestBuilder } from './packages/manifest-builder.js';
import { definePackageModels, PACKAGE_RECORD_STATES } from './packages/package-model.js';
import { PackageExporter } from './packages/package-export.js';
import { PackageService } from './packages/package-service.js';
import { PasswordPolicy } from './auth/password-policy.js';
import { SecurityAlertService } from './auth/security-alert-service.js';
import { UserService } from './auth/user-service.js';
import type { Config } from './config.js';
import { DocumentTexts } from './documents/document-texts.js';
import { PageViews } from './web/views.js';
import { WebSessionKeys } from './web/web-session.js';
import { openDatabase, type Database } from './platform/database.js';
import { StartupError } from './platform/errors.js';
import { ensurePrivateDirectory } from './platform/files.js';
import { MAX_ID } from './platform/http/common-schemas.js';
import { Keyring } from './platform/keyring.js';
import { createLogger, type Logger } from './platform/logger.js';
import { ContractService } from './registry/contract-service.js';
import { defineEvidenceModel, EVIDENCE_RECORD_STATES } from './evidence/evidence-model.js';
import { EvidenceService } from './evidence/evidence-service.js';
import { EvidenceStore } from './evidence/evidence-store.js';
import { InterfaceService } from './registry/interface-service.js';
import { definePlatformModels, PLATFORM_RECORD_STATES } from './registry/platform-model.js';
import { PlatformService } from './registry/platform-service.js';
import { defineRegistryModels, REGISTRY_RECORD_STATES, type RegistryModels } from './registry/registry-models.js';
import { RegistryTransfer } from './registry/registry-transfer.js';
import { defineRequirementModel, REQUIREMENT_RECORD_STATES } from './registry/requirement-model.js';
import { RequirementService } from './registry/requirement-service.js';
import { SystemService } from './registry/system-service.js';
import { ASSESSMENT_RECORD_STATES, defineRiskAssessmentModel } from './risk/assessment-model.js';
import { AssessmentService } from './risk/assessment-service.js';
import { RiskModelRegistry } from './risk/risk-model-registry.js';
import { defineDeviationModels, DEVIATION_RECORD_STATES, DeviationService } from './scenarios/deviation-service.js';
import { GeneratedExecutor } from './scenarios/executors/generated-executor.js';
import { HttpExchangeExecutor } from './scenarios/executors/http-exchange-executor.js';
import { MessageSetExecutor } from './scenarios/executors/message-set-executor.js';
import { MessageSetValidator } from './scenarios/message-set-validator.js';
import { PATTERN_TIMEOUT_MS, PatternMatcher } from './scenarios/pattern-matcher.js';
import { configuredSelfOrigin } from './scenarios/environment-reference.js';
import { RunPlanner } from './scenarios/run-plan.js';
import { RunEvidenceExport } from './scenarios/run-evidence.js';
import { RunRecovery } from './scenarios/run-recovery.js';
import { RunService } from './scenarios/run-service.js';
import { defineScenarioModels, SCENARIO_RECORD_STATES } from './scenarios/scenario-models.js';
import { ScenarioService } from './scenarios/scenario-service.js';
import { defineSignatureModel, SIGNATURE_RECORD_STATES } from './signatures/signature-model.js';
import { SignatureService } from './signatures/signature-service.js';
import { userAccessRecordType } from './signatures/user-access-record.js';

export interface Services {
  config: Config;
  /** The server clock: every timestamp comes from here (tests move it). */
  now: () => Date;
  logger: Logger;
  database: Database;
  keyring: Keyring;
  models: AuthModels & AuditModels & RegistryModels;
  audit: AuditTrail;
  checkpoints: CheckpointService;
  /** Generate → digest → audit (`export.created`) → send: every export goes through it. */
  exports: AuditedExports;
  auditExports: AuditExportService;
  passwordPolicy: PasswordPolicy;
  users: UserService;
  alerts: SecurityAlertService;
  accessGrants: AccessGrantService;
  auth: AuthService;
  signatures: SignatureService;
  evidence: EvidenceService;
  systems: SystemService;
  interfaces: InterfaceService;
  /** Platforms interfaces run on, with their versions per environment (change control's impact index). */
  platforms: PlatformService;
  contracts: ContractService;
  registryTransfer: RegistryTransfer;
  requirements: RequirementService;
  riskModels: RiskModelRegistry;
  /** The words of generated documents, from GXPW_TEMPLATES_DIR/documents. */
  documentTexts: DocumentTexts;
  assessments: AssessmentService;
  scenarios: ScenarioService;
  runs: RunService;
  deviations: DeviationService;
  packages: PackageService;
  changes: ChangeService;
  /** Change record PDFs, each an audited export. */
  changeExports: ChangeExporter;
  /** Package PDFs and export bundles, each an audited export. */
  packageExports: PackageExporter;
  runEvidence: RunEvidenceExport;
  /** The periodic review list (Annex 11 §11). */
  periodicReview: PeriodicReview;
  /** The web pages' templates (GXPW_TEMPLATES_DIR/{layouts,partials,pages}) and cookie keys. */
  pageViews: PageViews;
  webKeys: WebSessionKeys;
  close(): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
  /** The clock; tests move it to reach idle timeouts and password expiry. */
  now?: () => Date;
}

/**
 * Every table, accounted for: a record type whose state each audit event digests and `gxpw verify`
 * reconciles, or a table exempt for the reason given (DESIGN.md §7; a test enforces the rule).
 */
function recordStatesOfEveryFeature(): RecordStates {
  const states = new RecordStates();
  states.register(...AUTH_RECORD_STATES, ...REGISTRY_RECORD_STATES, ...PLATFORM_RECORD_STATES, ...REQUIREMENT_RECORD_STATES, ...ASSESSMENT_RECORD_STATES, ...SCENARIO_RECORD_STATES, ...DEVIATION_RECORD_STATES);
  states.register(...SIGNATURE_RECORD_STATES, ...EVIDENCE_RECORD_STATES, ...PACKAGE_RECORD_STATES, ...CHANGE_RECORD_STATES);
  states.exempt('audit_events', 'the audit trail itself, proven by its hash chain and signed checkpoints');
  states.exempt('audit_checkpoints', 'signed by the server key and checked against the trail and the witness');
  states.exempt('schema_migrations', 'migration bookkeeping, no regulated content');
  states.exempt('sessions', 'sign-in sessions are operational state; every start and end is an audit event of its own');
  states.exempt('read_generations', 'change counters of the read cache, moved by triggers; no regulated content');
  states.exempt('login_name_failures', 'failure counters of names that are not accounts; every failure is an audit event of its own');
  return states;
}

/** A user named by user name or, failing that, by id (the audit export's `actor` filter). */
async function findActor(models: AuthModels, nameOrId: string): Promise<{ id: number; username: string; printedName: string } | null> {
  const user = (await models.User.findOne({ where: { username: nameOrId } })) ?? (/^[1-9]\d{0,9}$/.test(nameOrId) && Number(nameOrId) <= MAX_ID ? await models.User.findByPk(Number(nameOrId)) : null);
  return user ? { id: user.id, username: user.username, printedName: user.fullName } : null;
}

export async function createServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  // The database, keys and witness live here: readable by the server's account alone (Annex 11 §12.1).
  try {
    ensurePrivateDirectory(config.dataDir);
  } catch (error) {
    throw new StartupError(`GXPW_DATA_DIR: cannot create the data directory ${config.dataDir}: ${(error as Error).message}`);
  }
  const keyring = Keyring.open(config.keysDir);
  // Before the database opens: a bad risk model stops the start with its file and JSON pointer.
  const riskModels = RiskModelRegistry.load(config.riskModelsDir, config.signatures.meanings);
  // Likewise a document template with a Handlebars error: its file and line, before anything is served.
  const documentTexts = DocumentTexts.load(config.templatesDir);
  const database = await openDatabase(config.database);
  const models = { ...defineAuthModels(database.sequelize), ...defineAuditModels(database.sequelize), ...defineRegistryModels(database.sequelize) };

  // The newest checkpoint is kept outside the database twice, the copy on the evidence volume
  // (the store's own scans never look at files at its root); verification compares the two.
  const witness = new CheckpointWitness(
    [
      { file: path.join(config.dataDir, 'audit-witness.json'), label: 'the checkpoint witness in GXPW_DATA_DIR' },
      { file: path.join(config.evidenceDir, EVIDENCE_WITNESS_FILE), label: 'the checkpoint witness copy in EVIDENCE_DIR' },
    ],
    { checkpointEvery: config.audit.checkpointEvery, intervalSeconds: config.audit.checkpointIntervalSeconds },
  );
  const checkpoints = new CheckpointService(models, keyring, witness, logger, now);
  const audit = new AuditTrail(database, models, checkpoints, config.audit.checkpointEvery, recordStatesOfEveryFeature(), now);
  // Exports wait here between being written (and digested, and audited) and being sent.
  const exports = new AuditedExports(database, audit, path.join(config.dataDir, 'exports'));
  const auditExports = new AuditExportService(database, audit, checkpoints, keyring, exports, (nameOrId) => findActor(models, nameOrId), now);
  const hasher = new PasswordHasher(config.auth.scryptLogN);
  const passwordPolicy = new PasswordPolicy(config.auth.passwordMinLength, config.auth.passwordMaxAgeDays);
  const alerts = new SecurityAlertService(database, models, audit, logger, now);
  const accessGrants = new AccessGrantService(database, models, audit, alerts, { signingCooloffHours: config.auth.signingCooloffHours }, now);
  const users = new UserService(database, models, audit, hasher, passwordPolicy, accessGrants, alerts, now);
  const tokenSecret = config.auth.jwtSecret ? Buffer.from(config.auth.jwtSecret) : keyring.sessionTokenSecret();
  const auth = new AuthService(database, models, audit, alerts, hasher, passwordPolicy, tokenSecret, config.auth, now);
  // The browser's cookies and form tokens are signed with a key of their own, derived from the token secret.
  const webKeys = new WebSessionKeys(createHmac('sha256', tokenSecret).update('gxpw-web-cookies').digest());
  const pageViews = PageViews.load(config.templatesDir);
  const signatures = new SignatureService(database, defineSignatureModel(database.sequelize), models, auth, accessGrants, audit, keyring, now, config.signatures.meanings);
  const evidence = new EvidenceService(database, defineEvidenceModel(database.sequelize), EvidenceStore.open(config.evidenceDir, config.evidenceMaxBytes), audit, alerts, now);
  const systems = new SystemService(database, models, audit);
  const platforms = new PlatformService(database, definePlatformModels(database.sequelize), models, audit);
  const interfaces = new InterfaceService(database, models, systems, audit, platforms);
  const contracts = new ContractService(database, models, interfaces, audit, config.http.contractMaxBytes, now);
  const registryTransfer = new RegistryTransfer(models, interfaces, contracts);
  const assessmentModel = defineRiskAssessmentModel(database.sequelize);
  const assessments = new AssessmentService(database, assessmentModel, interfaces, riskModels, audit, now);
  const scenarioModels = defineScenarioModels(database.sequelize);
  const requirements = new RequirementService(database, defineRequirementModel(database.sequelize), interfaces, contracts, audit, now);
  const scenarios = new ScenarioService(database, scenarioModels, interfaces, contracts, requirements, evidence, audit, now);
  // Scenarios name requirements: the registry asks them which do, without depending on them.
  requirements.useReferences(scenarios);
  const messageSets = new MessageSetValidator({ threads: config.runner.validationThreads });
  const patterns = new PatternMatcher(PATTERN_TIMEOUT_MS);
  const runPlanner = new RunPlanner(interfaces, contracts, assessments, scenarios, now);
  const runRecovery = new RunRecovery(database, scenarioModels, audit, config.runner, now);
  // One executor per step kind; a generated step sends and judges each case as a scripted exchange does.
  const exchangeSteps = new HttpExchangeExecutor(evidence, patterns, config.runner);
  const stepExecutors = { exchange: exchangeSteps, generated: new GeneratedExecutor(exchangeSteps), messageSet: new MessageSetExecutor(evidence, messageSets) };
  const runs = new RunService(database, scenarioModels, contracts, scenarios, evidence, runPlanner, runRecovery, stepExecutors, audit, config.runner, now, configuredSelfOrigin(config));
  const deviationModels = defineDeviationModels(database.sequelize);
  const deviations = new DeviationService(database, deviationModels, runs, signatures, audit, now);
  const manifests = new ManifestBuilder({
    database,
    registry: models,
    contracts,
    assessments,
    requirements,
    scenarioModels,
    deviationModels,
    signatures,
    recordStates: audit.recordStates,
    texts: documentTexts,
  });
  const packageModels = definePackageModels(database.sequelize);
  const packages = new PackageService(database, packageModels, manifests, interfaces, signatures, evidence, audit, keyring, documentTexts, now);
  const packageExports = new PackageExporter(database, packages, manifests, signatures, evidence.store, audit, keyring, exports, documentTexts, now);
  const runEvidence = new RunEvidenceExport(runs, deviations, evidence, signatures, audit, checkpoints, keyring, exports, now);
  const periodicReview = new PeriodicReview({ registry: models, assessments: assessmentModel, packages: packageModels }, now);
  const changeImpact = new ChangeImpact({ database, registry: models, platforms, contracts, assessmentModel, scenarioModels });
  const changes = new ChangeService(database, defineChangeModels(database.sequelize), models, platforms, interfaces, assessments, changeImpact, runs, deviations, signatures, audit, now);
  periodicReview.useOpenChanges(changes);
  const changeExports = new ChangeExporter(database, changes, runs, deviations, evidence, signatures, audit, keyring, exports, documentTexts, now);
  // Records evidence may be uploaded for (a run's evidence is the runner's own).
  evidence.acceptEvidenceFor('deviation', (id, tx) => deviations.assertAcceptsEvidence(id, tx));
  evidence.acceptEvidenceFor('interface', async (key, tx) => void (await interfaces.get(key, tx)));
  // Each feature registers its signable record types here, the one place they are wired.
  signatures.register(userAccessRecordType(accessGrants));
  signatures.register(assessments.signableRecordType());
  signatures.register(deviations.signableRecordType());
  signatures.register(packages.signableRecordType());
  signatures.register(changes.signableRecordType());

  return {
    config,
    now,
    logger,
    database,
    keyring,
    models,
    audit,
    checkpoints,
    exports,
    auditExports,
    passwordPolicy,
    users,
    alerts,
    accessGrants,
    auth,
    signatures,
    evidence,
    systems,
    interfaces,
    platforms,
    contracts,
    registryTransfer,
    requirements,
    riskModels,
    documentTexts,
    assessments,
    scenarios,
    runs,
    deviations,
    packages,
    changes,
    changeExports,
    packageExports,
    runEvidence,
    periodicReview,
    pageViews,
    webKeys,
    close: async () => {
      // Let a run in progress record its end before the database goes away.
      await runs.idle();
      await messageSets.close();
      await patterns.close();
      await evidence.store.settled();
      await database.close();
    },
  };
}
