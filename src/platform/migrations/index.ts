// Every migration, in the order it runs. Append new ones at the end.
import { foundation } from './0001-foundation.js';
import { signatures } from './0002-signatures.js';
import { registry } from './0003-registry.js';
import { evidence } from './0004-evidence.js';
import { scenariosAndRuns } from './0005-scenarios-and-runs.js';
import { deviations } from './0006-deviations.js';
import { runHeartbeats } from './0007-run-heartbeats.js';
import { loginNameFailures } from './0008-login-name-failures.js';
import { accessGrants } from './0009-access-grants.js';
import { auditRecordStates } from './0010-audit-record-states.js';
import { runEnvironmentReference } from './0011-run-environment-reference.js';
import { readGenerations } from './0012-read-generations.js';
import { requirements } from './0013-requirements.js';
import { validationPackages } from './0014-validation-packages.js';
import { platforms } from './0015-platforms.js';
import { changeRecords } from './0016-change-records.js';
import type { Migration } from './migration.js';

export const MIGRATIONS: Migration[] = [
  foundation,
  signatures,
  registry,
  evidence,
  scenariosAndRuns,
  deviations,
  runHeartbeats,
  loginNameFailures,
  accessGrants,
  auditRecordStates,
  runEnvironmentReference,
  readGenerations,
  requirements,
  validationPackages,
  platforms,
  changeRecords,
];
