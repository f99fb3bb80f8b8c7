// Every migration, in the order it runs. Append new ones at the end.
import { foundation } from './0001-foundation.js';
import { signatures } from './0002-signatures.js';
import { registry } from './0003-registry.js';
import { evidence } from './0004-evidence.js';
import { scenariosAndRuns } from './0005-scenarios-and-runs.js';
import { deviations } from './0006-deviations.js';
import { runHeartbeats } from './0007-run-heartbeats.js';
import { loginNameFailures } from './0008-login-name-failures.js';
import { readGenerations } from './0009-read-generations.js';
import type { Migration } from './migration.js';

export const MIGRATIONS: Migration[] = [foundation, signatures, registry, evidence, scenariosAndRuns, deviations, runHeartbeats, loginNameFailures, readGenerations];
