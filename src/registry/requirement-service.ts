// Requirement records (URS/FS) of an interface: created, drafted from the interface, edited and
// retired — each a new immutable version with its own digest, audited in the same transaction
// (Part 11 §11.10(e)). Scenarios name requirement keys; which scenarios do is the scenario feature's
// knowledge, handed in through `useReferences` so the registry never depends on the runner.
import { QueryTypes, type Transaction } from 'sequelize';
import type { AuditEntry, AuditTrail } from '../audit/audit-trail.js';
import { digestOf } from '../platform/canonical-json.js';
import type { Database } from '../platform/database.js';
import { AppError, ConflictError, NotFoundError, type ErrorDetail } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { TargetLocation } from './contract-document.js';
import type { ContractService } from './contract-service.js';
import type { InterfaceService } from './interface-service.js';
import type { Interface } from './registry-models.js';
import { draftRequirements } from './requirement-drafting.js';
import { REQUIREMENT_RISKS, type Requirement, type RequirementModels, type RequirementRisk, type RequirementStatus, type RequirementType } from './requirement-model.js';

/** A requirement version as other features read it (the package manifest freezes these). */
export interface RequirementRecord {
  id: number;
  interfaceId: number;
  key: string;
  version: number;
  type: RequirementType;
  text: string;
  risk: RequirementRisk;
  status: RequirementStatus;
  digest: string;
  createdAt: string;
  createdByName: string;
}

export interface NewRequirement {
  key?: string;
  type: RequirementType;
  text: string;
  risk?: RequirementRisk;
  reason?: string;
}

export interface RequirementChanges {
  type?: RequirementType;
  text?: string;
  risk?: RequirementRisk;
}

/** Which current scenarios name which requirement keys: the scenario feature answers (services.ts wires it). */
export interface RequirementReferences {
  /** Requirement key → keys of the interface's current scenarios that name it. */
  scenarioKeysByRequirement(interfaceId: number, tx?: Transaction): Promise<Map<string, string[]>>;
  /** Every current scenario, of every interface, that names at least one requirement key. */
  scenariosNamingRequirements(tx?: Transaction): Promise<Array<{ interfaceId: number; scenarioKey: string; requirements: string[] }>>;
}

export interface AdoptedReference {
  interface: string;
  requirement: string;
  scenario: string;
}

/** A scenario (or another record) names requirement keys the interface does not have as active requirements. */
export class UnknownRequirementError extends AppError {
  constructor(message: string, details: ErrorDetail[]) {
    super(422, 'unknown_requirement', message, details);
  }
}

/**
 * The digest of one requirement version: SHA-256 over the RFC 8785 canonical JSON of
 * `{interface, key, version, type, text, risk, status}` — what a package manifest and a signature bind.
 */
export function requirementDigest(content: { interface: string; key: string; version: number; type: string; text: string; risk: string; status: string }): string {
  const { interface: iface, key, version, type, text, risk, status } = content;
  return digestOf({ interface: iface, key, version, type, text, risk, status });
}

/** What an audit event records of a requirement version. */
function auditViewOf(row: Requirement) {
  return { key: row.key, version: row.version, type: row.type, text: row.text, risk: row.risk, status: row.status, digest: row.digest };
}

export function requirementRecordOf(row: Requirement): RequirementRecord {
  return {
    id: row.id,
    interfaceId: row.interfaceId,
    key: row.key,
    version: row.version,
    type: row.type,
    text: row.text,
    risk: row.risk,
    status: row.status,
    digest: row.digest,
    createdAt: row.createdAt,
    createdByName: row.createdByName,
  };
}

/** The risk a new requirement carries unless told: the interface's risk level when it is one of ours. */
function defaultRisk(iface: Pick<Interface, 'riskLevel'>): RequirementRisk {
  return (REQUIREMENT_RISKS as readonly string[]).includes(iface.riskLevel ?? '') ? (iface.riskLevel as RequirementRisk) : 'medium';
}

const ADOPTION_REASON = 'migration 0013: scenario references become requirement records';

export class RequirementService {
  private references: RequirementReferences | null = null;

  constructor(
    private readonly database: Database,
    private readonly models: RequirementModels,
    private readonly interfaces: InterfaceService,
    private readonly contracts: ContractService,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The scenario feature tells which scenarios name which requirements (wired once, in services.ts). */
  useReferences(references: RequirementReferences): void {
    this.references = references;
  }

  /** Active current versions of an interface's requirements, ordered by key. */
  async currentOf(interfaceId: number, tx?: Transaction): Promise<RequirementRecord[]> {
    return (await this.currentRows(interfaceId, tx)).filter((row) => row.status === 'active').map(requirementRecordOf);
  }

  /** Keys of the interface's active requirements. */
  async keysOf(interfaceId: number, tx?: Transaction): Promise<Set<string>> {
    return new Set((await this.currentOf(interfaceId, tx)).map((r) => r.key));
  }

  /**
   * Refuses (422 unknown_requirement) keys that are not active requirements of the interface,
   * naming each with its field (`<field>.<index>`). Call inside the writer's transaction.
   */
  async assertKnown(tx: Transaction, iface: Pick<Interface, 'id' | 'key'>, keys: readonly string[], field = 'body.requirements'): Promise<void> {
    if (!keys.length) return;
    const known = await this.keysOf(iface.id, tx);
    const unknown = keys.flatMap((key, index) => (known.has(key) ? [] : [{ key, index }]));
    if (!unknown.length) return;
    const problems = unknown.map(({ key, index }) => ({ field: `${field}.${index}`, rule: 'exists', message: `interface ${iface.key} has no active requirement ${key}`, requirement: key }));
    throw new UnknownRequirementError(`Not active requirements of ${iface.key}: ${unknown.map((u) => u.key).join(', ')}. Create them (or name existing ones) first; nothing was changed.`, problems);
  }

  /** The current version of each requirement with the scenarios naming it; `status` filters on the current version. */
  async list(interfaceKey: string, filter: { status?: RequirementStatus } = {}): Promise<Array<{ requirement: Requirement; scenarios: string[] }>> {
    const iface = await this.interfaces.get(interfaceKey);
    const rows = (await this.currentRows(iface.id)).filter((row) => !filter.status || row.status === filter.status);
    const references = await this.scenarioKeys(iface.id);
    return rows.map((requirement) => ({ requirement, scenarios: references.get(requirement.key) ?? [] }));
  }

  /** The current version, every version (newest first) and the scenarios naming it. */
  async history(interfaceKey: string, key: string): Promise<{ current: Requirement; versions: Requirement[]; scenarios: string[] }> {
    const iface = await this.interfaces.get(interfaceKey);
    const versions = await this.models.Requirement.findAll({ where: { interfaceId: iface.id, key }, order: [['version', 'DESC']] });
    if (!versions.length) throw notFound(interfaceKey, key);
    return { current: versions[0]!, versions, scenarios: (await this.scenarioKeys(iface.id)).get(key) ?? [] };
  }

  async version(interfaceKey: string, key: string, version: number): Promise<Requirement> {
    const iface = await this.interfaces.get(interfaceKey);
    const row = await this.models.Requirement.findOne({ where: { interfaceId: iface.id, key, version } });
    if (!row) throw notFound(interfaceKey, key, version);
    return row;
  }

  async create(ctx: RequestContext, interfaceKey: string, input: NewRequirement): Promise<Requirement> {
    return this.database.write(async (tx) => {
      const iface = await this.writable(tx, interfaceKey);
      let key = input.key;
      if (key === undefined) key = await this.nextKey(tx, iface);
      else if (await this.models.Requirement.count({ where: { interfaceId: iface.id, key }, transaction: tx })) {
        throw new ConflictError(`Interface ${interfaceKey} has a requirement ${key} already (keys are never reused).`, 'requirement_exists');
      }
      const row = await this.insert(tx, ctx, iface, { key, version: 1, type: input.type, text: input.text, risk: input.risk ?? defaultRisk(iface), status: 'active', reason: input.reason?.trim() || null });
      await this.audit.record(tx, ctx, this.createdEvent(iface, row));
      return row;
    });
  }

  /** A new version with the changes; refused on a retired requirement or when nothing changes. */
  async update(ctx: RequestContext, interfaceKey: string, key: string, changes: RequirementChanges, reason: string): Promise<Requirement> {
    return this.database.write(async (tx) => {
      const iface = await this.writable(tx, interfaceKey);
      const current = await this.latest(tx, iface, key);
      if (current.status === 'retired') throw new ConflictError(`Requirement ${key} of ${interfaceKey} is retired and can no longer be edited.`, 'requirement_retired');
      const next = { type: changes.type ?? current.type, text: changes.text?.trim() ?? current.text, risk: changes.risk ?? current.risk };
      if (next.type === current.type && next.text === current.text && next.risk === current.risk) throw new ConflictError(`The changes leave requirement ${key} as version ${current.version} has it.`, 'requirement_unchanged');
      const row = await this.insert(tx, ctx, iface, { key, version: current.version + 1, ...next, status: 'active', reason: reason.trim() });
      await this.audit.record(tx, ctx, { action: 'requirement.updated', entityType: 'interface', entityId: iface.key, change: 'update', before: auditViewOf(current), after: auditViewOf(row), reason, states: [{ type: 'requirement', id: row.id }] });
      return row;
    });
  }

  /** "Delete" is a retirement with a reason, refused while a current scenario still names the requirement. */
  async retire(ctx: RequestContext, interfaceKey: string, key: string, reason: string): Promise<Requirement> {
    return this.database.write(async (tx) => {
      const iface = await this.writable(tx, interfaceKey);
      const current = await this.latest(tx, iface, key);
      if (current.status === 'retired') throw new ConflictError(`Requirement ${key} of ${interfaceKey} is retired already.`, 'requirement_retired');
      const naming = (await this.scenarioKeys(iface.id, tx)).get(key) ?? [];
      if (naming.length) {
        throw new ConflictError(`Requirement ${key} is verified by scenario(s) ${naming.join(', ')}: change them to name another requirement before retiring it.`, 'requirement_in_use', naming.map((scenario) => ({ field: 'scenario', message: `scenario ${scenario} names ${key}`, scenario })));
      }
      const row = await this.insert(tx, ctx, iface, { key, version: current.version + 1, type: current.type, text: current.text, risk: current.risk, status: 'retired', reason: reason.trim() });
      await this.audit.record(tx, ctx, { action: 'requirement.retired', entityType: 'interface', entityId: iface.key, change: 'status', before: auditViewOf(current), after: auditViewOf(row), reason, states: [{ type: 'requirement', id: row.id }] });
      return row;
    });
  }

  /**
   * Drafts requirements from the interface (requirement-drafting.ts) and creates those whose text
   * no version of any of its requirements has had: drafting again creates only what is new, and
   * a drafted text a team edited or retired does not come back. Answers what it created.
   */
  async draft(ctx: RequestContext, interfaceKey: string): Promise<Requirement[]> {
    const found = await this.interfaces.get(interfaceKey);
    const contract = found.currentContractVersion ? await this.contracts.get(interfaceKey, found.currentContractVersion) : null;
    const drafted = draftRequirements(
      { intendedUse: found.intendedUse, gxpRelevant: Boolean(found.gxpRelevant), messageTypes: JSON.parse(found.messageTypes) as string[], dataDomains: JSON.parse(found.dataDomains) as string[] },
      contract && { format: contract.format, document: JSON.parse(contract.document) as unknown, targets: JSON.parse(contract.targets) as TargetLocation[] },
    );
    const reason = `drafted from the interface: intended use, ${contract ? `contract v${contract.version}` : 'message types (no contract yet)'}, data domains`;
    return this.database.write(async (tx) => {
      const iface = await this.writable(tx, interfaceKey);
      const known = new Set((await this.models.Requirement.findAll({ attributes: ['text'], where: { interfaceId: iface.id }, transaction: tx })).map((r) => r.text));
      const fresh = drafted.filter((d) => !known.has(d.text));
      if (!fresh.length) return [];
      let number = await this.highestNumber(tx, iface);
      const risk = defaultRisk(iface);
      const created: Requirement[] = [];
      for (const { type, text } of fresh) {
        number += 1;
        created.push(await this.insert(tx, ctx, iface, { key: draftedKey(iface.key, number), version: 1, type, text, risk, status: 'active', reason }));
      }
      await this.audit.recordMany(tx, ctx, created.map((row) => this.createdEvent(iface, row)));
      return created;
    });
  }

  /**
   * Scenarios named requirement ids as free text before migration 0013. Each id a current scenario
   * names that its interface has no requirement record for becomes one (functional, the interface's
   * risk, a text saying it must be written), audited in `ctx`'s name. Idempotent; when nothing is
   * to adopt it only reads the scenarios that name requirements, and writes nothing.
   */
  async adoptScenarioReferences(ctx: RequestContext): Promise<AdoptedReference[]> {
    if (!this.references) return [];
    const missing = await this.unrecordedReferences();
    if (!missing.size) return [];
    return this.database.write(async (tx) => {
      const adopted: AdoptedReference[] = [];
      for (const interfaceId of missing.keys()) {
        const key = await this.interfaces.keyOf(interfaceId, tx);
        if (key === null) continue;
        const iface = await this.interfaces.locked(tx, key);
        // Read again under the lock: another process may have adopted them meanwhile.
        const recorded = await this.allKeys(tx, iface.id);
        const created: Requirement[] = [];
        for (const [requirement, scenario] of [...(missing.get(interfaceId) ?? new Map<string, string>())].sort(([a], [b]) => a.localeCompare(b))) {
          if (recorded.has(requirement)) continue;
          const text = `Adopted from scenario ${scenario}: requirement ${requirement} named before requirements were records; its text must be written.`;
          created.push(await this.insert(tx, ctx, iface, { key: requirement, version: 1, type: 'functional', text, risk: defaultRisk(iface), status: 'active', reason: ADOPTION_REASON }));
          adopted.push({ interface: iface.key, requirement, scenario });
        }
        if (created.length) await this.audit.recordMany(tx, ctx, created.map((row) => this.createdEvent(iface, row)));
      }
      return adopted;
    });
  }

  /** interface id → (requirement id → first scenario naming it) for ids with no record at all. */
  private async unrecordedReferences(): Promise<Map<number, Map<string, string>>> {
    const naming = await this.references!.scenariosNamingRequirements();
    const missing = new Map<number, Map<string, string>>();
    if (!naming.length) return missing;
    const recorded = new Set(
      (await this.database.sequelize.query<{ interfaceId: number; key: string }>('SELECT DISTINCT interface_id AS "interfaceId", key AS "key" FROM requirements', { type: QueryTypes.SELECT })).map((r) => `${r.interfaceId} ${r.key}`),
    );
    for (const { interfaceId, scenarioKey, requirements } of [...naming].sort((a, b) => a.scenarioKey.localeCompare(b.scenarioKey))) {
      for (const requirement of requirements) {
        if (recorded.has(`${interfaceId} ${requirement}`)) continue;
        const ids = missing.get(interfaceId) ?? new Map<string, string>();
        if (!ids.has(requirement)) ids.set(requirement, scenarioKey);
        missing.set(interfaceId, ids);
      }
    }
    return missing;
  }

  private createdEvent(iface: Pick<Interface, 'key'>, row: Requirement): AuditEntry {
    return { action: 'requirement.created', entityType: 'interface', entityId: iface.key, change: 'create', after: auditViewOf(row), reason: row.reason, states: [{ type: 'requirement', id: row.id }] };
  }

  private async insert(tx: Transaction, ctx: RequestContext, iface: Pick<Interface, 'id' | 'key'>, content: { key: string; version: number; type: RequirementType; text: string; risk: RequirementRisk; status: RequirementStatus; reason: string | null }): Promise<Requirement> {
    const text = content.text.trim();
    return this.models.Requirement.create(
      {
        interfaceId: iface.id,
        key: content.key,
        version: content.version,
        type: content.type,
        text,
        risk: content.risk,
        status: content.status,
        digest: requirementDigest({ interface: iface.key, key: content.key, version: content.version, type: content.type, text, risk: content.risk, status: content.status }),
        createdAt: this.now().toISOString(),
        createdBy: ctx.actor.userId,
        createdByName: ctx.actor.name,
        reason: content.reason,
      },
      { transaction: tx },
    );
  }

  /** The interface, locked for the change; a retired interface takes no new requirements or edits. */
  private async writable(tx: Transaction, interfaceKey: string): Promise<Interface> {
    const iface = await this.interfaces.locked(tx, interfaceKey);
    if (iface.status === 'retired') throw new ConflictError(`Interface ${interfaceKey} is retired: its requirements can no longer change.`, 'interface_retired');
    return iface;
  }

  private async latest(tx: Transaction, iface: Pick<Interface, 'id' | 'key'>, key: string): Promise<Requirement> {
    const row = await this.models.Requirement.findOne({ where: { interfaceId: iface.id, key }, order: [['version', 'DESC']], transaction: tx });
    if (!row) throw notFound(iface.key, key);
    return row;
  }

  private async currentRows(interfaceId: number, tx?: Transaction): Promise<Requirement[]> {
    const all = await this.models.Requirement.findAll({ where: { interfaceId }, order: [['key', 'ASC'], ['version', 'DESC']], transaction: tx });
    // Ordered in code, not by the database's collation: the same order on SQLite and PostgreSQL.
    return all.filter((row, i) => i === 0 || all[i - 1]!.key !== row.key).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async allKeys(tx: Transaction, interfaceId: number): Promise<Set<string>> {
    return new Set((await this.models.Requirement.findAll({ attributes: ['key'], where: { interfaceId }, transaction: tx })).map((r) => r.key));
  }

  /** The highest <interface key>-R<n> number ever used on the interface (0 when none): keys are never reused. */
  private async highestNumber(tx: Transaction, iface: Pick<Interface, 'id' | 'key'>): Promise<number> {
    const prefix = `${iface.key}-R`;
    let highest = 0;
    for (const key of await this.allKeys(tx, iface.id)) {
      const digits = key.startsWith(prefix) ? key.slice(prefix.length) : '';
      if (/^\d{1,9}$/.test(digits)) highest = Math.max(highest, Number(digits));
    }
    return highest;
  }

  private async nextKey(tx: Transaction, iface: Pick<Interface, 'id' | 'key'>): Promise<string> {
    return draftedKey(iface.key, (await this.highestNumber(tx, iface)) + 1);
  }

  private async scenarioKeys(interfaceId: number, tx?: Transaction): Promise<Map<string, string[]>> {
    return this.references ? this.references.scenarioKeysByRequirement(interfaceId, tx) : new Map();
  }
}

/** `<interface key>-R<nn>`: at least two digits (IF-SER-TP-009-R03). */
export function draftedKey(interfaceKey: string, number: number): string {
  return `${interfaceKey}-R${String(number).padStart(2, '0')}`;
}

function notFound(interfaceKey: string, key: string, version?: number): NotFoundError {
  return new NotFoundError(`Interface ${interfaceKey} has no requirement ${key}${version ? ` version ${version}` : ''}.`, 'requirement_not_found');
}
