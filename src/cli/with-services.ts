// The services a command works with: built from the configuration, brought up to date by the
// migrations, and closed when the command ends, whatever happened.
import { attestRecordsOnUpgrade } from '../audit/record-reconciliation.js';
import { loadConfig, type Config } from '../config.js';
import { migrateUp } from '../platform/migrator.js';
import { systemContext } from '../platform/request-context.js';
import { createServices, type Services } from '../services.js';

export async function withServices<T>(work: (services: Services) => Promise<T>, config: Config = loadConfig()): Promise<T> {
  const services = await createServices(config, {});
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

/**
 * Brings the schema up to date; on the upgrade that adds record-state digests, attests the records
 * found; adopts requirement ids scenarios named before requirements were records, and platforms
 * interfaces named as free text before platforms were records.
 */
export async function migrate(services: Services): Promise<string[]> {
  const applied = await migrateUp(services.database);
  const attested = await attestRecordsOnUpgrade(services.database, services.audit, applied);
  if (attested) services.logger.info({ attested }, 'record states of existing records attested in the audit trail');
  // Requirement ids scenarios named as free text before migration 0013 become records (nothing when none is left).
  const adopted = await services.requirements.adoptScenarioReferences(systemContext('migration'));
  if (adopted.length) services.logger.warn({ adopted }, 'requirement ids named by scenarios adopted as requirement records: write their texts');
  // Platform texts interfaces named before migration 0015 become platform records (nothing when none is left).
  const platforms = await services.platforms.adoptFreeText(systemContext('migration'));
  if (platforms.length) services.logger.warn({ platforms }, 'platforms named by interfaces adopted as platform records: complete their vendor, kind and versions');
  return applied;
}

export function withMigratedServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  return withServices(async (services) => {
    await migrate(services);
    return work(services);
  });
}
