// Integration interfaces: the Annex 11 §4.3 inventory. Each change is audited with a reason; the
// lifecycle runs draft → active → retired (retiring needs a reason); nothing is ever deleted.
import { literal, Op, QueryTypes, Sequelize, type InferAttributes, type Transaction, type WhereOptions } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { Interface, InterfaceStatus, RegistryModels, System } from './registry-models.js';
import { auditViewOfInterface, presentInterface, presentSystem, type InterfaceView, type RegisteredInterface } from './registry-presenter.js';
import { ReadCache } from '../platform/read-cache.js';
import { insertRowsSql, timestampValue } from '../platform/sql.js';
import type { NewSystem, SystemService } from './system-service.js';
import type { PlatformService } from './platform-service.js';

export interface NewInterface {
  key: string;
  name: string;
  sourceSystem: string;
  targetSystem: string;
  layer: Interface['layer'];
  pattern: string;
  direction: string;
  messageTypes: string[];
  dataDomains: string[];
  platforms: string[];
  gxpRelevant: boolean;
  intendedUse: string;
  owner: string;
  environments?: Record<string, string>;
  status?: InterfaceStatus;
  /** Imports only: why a retired interface was retired. */
  retiredReason?: string | null;
}

export type InterfaceChanges = Partial<Omit<NewInterface, 'key' | 'status' | 'retiredReason'>>;

export interface InterfaceFilter {
  layer?: string;
  status?: string;
  pattern?: string;
  riskLevel?: string;
  system?: string;
  platform?: string;
  dataDomain?: string;
  gxpRelevant?: boolean;
  /** Only interfaces not retired (the registry views count these). */
  live?: boolean;
  /** Only interfaces without a current contract version. */
  withoutContract?: boolean;
  q?: string;
  limit?: number;
  offset?: number;
}

export interface RegistryImport {
  systems?: Array<NewSystem & { status?: System['status'] }>;
  interfaces: NewInterface[];
}

/** How a caller adds its own part to an import: problems found beforehand, and rows to write after. */
export interface ImportExtension {
  problems: ErrorDetail[];
  afterInsert(tx: Transaction, created: Array<{ id: number; key: string }>): Promise<void>;
}

export interface RegistryViews {
  asOf: string;
  total: number;
  /** layer → risk level (or "unassessed") → number of interfaces. */
  portfolio: Record<string, Record<string, number>>;
  withoutContract: string[];
  withoutAssessment: string[];
  reviewOverdue: Array<{ key: string; reviewDue: string }>;
}

/** An interface row as read without a model instance (`raw: true`). */
type InterfaceRow = InferAttributes<Interface>;

const TRANSITIONS: Record<InterfaceStatus, InterfaceStatus[]> = { draft: ['active', 'retired'], active: ['retired'], retired: [] };
const IMPORT_CHUNK = 500;
const INSERT_COLUMNS = ['key', 'name', 'source_system_id', 'target_system_id', 'layer', 'pattern', 'direction', 'message_types', 'data_domains', 'platforms', 'gxp_relevant', 'intended_use', 'owner', 'environments', 'status', 'retired_reason', 'revision', 'created_at', 'updated_at'];

/** A new interface as stored and audited: the same fields `auditViewOfInterface` gives for a stored one. */
function registeredOf(input: NewInterface): RegisteredInterface {
  return {
    key: input.key,
    name: input.name.trim(),
    sourceSystem: input.sourceSystem,
    targetSystem: input.targetSystem,
    layer: input.layer,
    pattern: input.pattern,
    direction: input.direction,
    messageTypes: input.messageTypes,
    dataDomains: input.dataDomains,
    platforms: input.platforms,
    gxpRelevant: input.gxpRelevant,
    intendedUse: input.intendedUse,
    owner: input.owner,
    environments: input.environments ?? {},
    status: input.status ?? 'draft',
    retiredReason: input.status === 'retired' ? (input.retiredReason?.trim() ?? null) : null,
    revision: 1,
  };
}

/** Pages of the interface list kept in memory: at most this many interfaces in all (a few MB). */
const KEPT_INTERFACES = 20_000;

export class InterfaceService {
  private readonly pages: ReadCache<{ total: number; interfaces: InterfaceView[] }>;

  constructor(
    private readonly database: Database,
    private readonly models: RegistryModels,
    private readonly systems: SystemService,
    private readonly audit: AuditTrail,
    /** Resolves the platform texts interfaces name to platform records (the platform index). */
    private readonly platforms: PlatformService,
  ) {
    this.pages = new ReadCache(database, 'registry', (page) => page.interfaces.length, KEPT_INTERFACES);
  }

  async create(ctx: RequestContext, input: NewInterface): Promise<Interface> {
    return this.database.write(async (tx) => {
      const names = await this.systems.names(tx);
      const problems = [
        ...(await this.systemProblems(input, names, 'body', tx)),
        ...(await this.duplicateKeyProblems([input.key], 'body', tx)),
        ...(await this.platforms.referenceProblems(tx, [{ interfaceKey: input.key, platforms: input.platforms, live: input.status !== 'retired', field: 'body.platforms' }])),
      ];
      if (problems.length) throw registryError(problems);
      await this.insertAll(tx, ctx, [input], names);
      return this.get(input.key, tx);
    });
  }

  async update(ctx: RequestContext, key: string, changes: InterfaceChanges, reason: string): Promise<Interface> {
    return this.database.write(async (tx) => {
      const row = await this.locked(tx, key);
      if (row.status === 'retired') throw new ConflictError(`Interface ${key} is retired and can no longer be edited.`, 'interface_retired');
      const names = await this.systems.names(tx);
      const problems = await this.systemProblems({ sourceSystem: changes.sourceSystem, targetSystem: changes.targetSystem }, names, 'body', tx);
      if (changes.platforms) problems.push(...(await this.platforms.referenceProblems(tx, [{ interfaceKey: key, platforms: changes.platforms, live: true, field: 'body.platforms' }])));
      if (problems.length) throw registryError(problems);
      const before = auditViewOfInterface(row, names);
      row.set(this.columnsOf(changes, names));
      row.revision += 1;
      await row.save({ transaction: tx });
      if (changes.platforms) await this.replacePlatforms(tx, ctx, row, changes.platforms);
      await this.audit.record(tx, ctx, { action: 'interface.updated', entityType: 'interface', entityId: key, change: 'update', before, after: auditViewOfInterface(row, names), reason });
      return row;
    });
  }

  async setStatus(ctx: RequestContext, key: string, status: InterfaceStatus, reason: string): Promise<Interface> {
    return this.database.write(async (tx) => {
      const row = await this.locked(tx, key);
      if (!TRANSITIONS[row.status].includes(status)) {
        throw new ConflictError(`Interface ${key} is ${row.status}; it cannot become ${status} (allowed: ${TRANSITIONS[row.status].join(', ') || 'none'}).`, 'invalid_transition');
      }
      const names = await this.systems.names(tx);
      const before = auditViewOfInterface(row, names);
      row.status = status;
      if (status === 'retired') row.retiredReason = reason.trim();
      row.revision += 1;
      await row.save({ transaction: tx });
      await this.audit.record(tx, ctx, { action: `interface.${status === 'active' ? 'activated' : status}`, entityType: 'interface', entityId: key, change: 'status', before, after: auditViewOfInterface(row, names), reason });
      return row;
    });
  }

  async get(key: string, tx?: Transaction): Promise<Interface> {
    const row = await this.models.Interface.findOne({ where: { key }, transaction: tx });
    if (!row) throw new NotFoundError(`No interface with key ${key}.`, 'interface_not_found');
    return row;
  }

  async keyOf(id: number, tx?: Transaction): Promise<string | null> {
    return (await this.models.Interface.findByPk(id, { attributes: ['key'], transaction: tx }))?.key ?? null;
  }

  async view(key: string): Promise<InterfaceView> {
    return presentInterface(await this.get(key), await this.systems.names());
  }

  /**
   * One page of interfaces and the number of all that match. This is the read path every registry
   * page stands on (`npm run bench http`): a page is kept in memory while the registry's tables
   * have not changed (ReadCache checks their generation, one primary-key read, on every call), and
   * read otherwise as the page's rows with their systems' names in one query — plain rows, no model
   * instances — and a count. (A window count in the page query would save a round trip but makes
   * SQLite materialize every matching row: slower than the second query.) The answer is frozen.
   */
  async list(filter: InterfaceFilter = {}): Promise<{ total: number; interfaces: InterfaceView[] }> {
    const key = JSON.stringify(Object.entries(filter).sort(([a], [b]) => a.localeCompare(b)));
    return this.pages.get(key, () => this.readPage(filter));
  }

  private async readPage(filter: InterfaceFilter): Promise<{ total: number; interfaces: InterfaceView[] }> {
    const where = this.whereOf(filter);
    const table = this.database.sequelize.getQueryInterface().quoteIdentifier(this.models.Interface.name);
    const systemName = (column: string) => literal(`(SELECT name FROM systems WHERE systems.id = ${table}.${column})`);
    const total = await this.models.Interface.count({ where });
    if (!total) return { total, interfaces: [] };
    const rows = (await this.models.Interface.findAll({
      attributes: { exclude: ['createdAt', 'updatedAt'], include: [[systemName('source_system_id'), 'sourceSystemName'], [systemName('target_system_id'), 'targetSystemName']] },
      where,
      order: [['key', 'ASC']],
      limit: filter.limit ?? 100,
      offset: filter.offset ?? 0,
      raw: true,
    })) as unknown as Array<InterfaceRow & { sourceSystemName: string; targetSystemName: string }>;
    const names = new Map(rows.flatMap((row) => [[row.sourceSystemId, row.sourceSystemName], [row.targetSystemId, row.targetSystemName]] as const));
    return { total, interfaces: rows.map((row) => presentInterface(row, names)) };
  }

  /** Every interface running on a platform release, e.g. "MuleSoft Runtime 4.6" (change control). */
  async onPlatform(platform: string): Promise<InterfaceView[]> {
    const all: InterfaceView[] = [];
    for (let offset = 0; ; offset += 1000) {
      const { total, interfaces } = await this.list({ platform, limit: 1000, offset });
      all.push(...interfaces);
      if (all.length >= total || !interfaces.length) return all;
    }
  }

  /**
   * Imports systems and interfaces as one whole: everything is checked first and every problem
   * listed; only a clean import writes anything (one transaction, one audit event per record).
   */
  async importRegistry(ctx: RequestContext, data: RegistryImport, extension?: ImportExtension): Promise<{ systemsCreated: number; interfacesCreated: number }> {
    return this.database.write(async (tx) => {
      const existing = await this.systems.list(tx);
      const problems: ErrorDetail[] = [...(extension?.problems ?? [])];
      const newSystems: NewSystem[] = [];
      const seenSystems = new Set<string>();
      for (const [index, system] of (data.systems ?? []).entries()) {
        const name = system.name.trim();
        const field = `body.systems.${index}`;
        if (seenSystems.has(name)) problems.push({ field: `${field}.name`, rule: 'unique', message: `system '${name}' appears twice in the import` });
        seenSystems.add(name);
        const current = existing.find((s) => s.name === name);
        if (!current) newSystems.push(system);
        else if (!sameSystem(presentSystem(current), system) || (system.status !== undefined && system.status !== current.status)) problems.push({ field, rule: 'conflict', message: `system '${name}' already exists with different details` });
      }
      const names = new Map([...existing.map((s) => [s.id, s.name] as const)]);
      const planned = new Set([...names.values(), ...newSystems.map((s) => s.name.trim())]);
      const keys = new Map<string, number>();
      for (const [index, item] of data.interfaces.entries()) {
        const field = `body.interfaces.${index}`;
        for (const side of ['sourceSystem', 'targetSystem'] as const) {
          if (!planned.has(item[side])) problems.push({ field: `${field}.${side}`, rule: 'exists', message: `no system named '${item[side]}' (register it or include it in "systems")` });
        }
        const earlier = keys.get(item.key);
        if (earlier !== undefined) problems.push({ field: `${field}.key`, rule: 'unique', message: `key ${item.key} is also used by interfaces.${earlier}` });
        else keys.set(item.key, index);
      }
      problems.push(...(await this.duplicateKeyProblems([...keys.keys()], 'body.interfaces', tx, keys)));
      problems.push(...(await this.platforms.referenceProblems(tx, data.interfaces.map((item, index) => ({ interfaceKey: item.key, platforms: item.platforms, live: item.status !== 'retired', field: `body.interfaces.${index}.platforms` })))));
      if (problems.length) throw registryError(problems);

      for (const system of newSystems) {
        const created = await this.systems.createInTransaction(tx, ctx, system);
        names.set(created.id, created.name);
      }
      const created = await this.insertAll(tx, ctx, data.interfaces, names);
      await extension?.afterInsert(tx, created);
      return { systemsCreated: newSystems.length, interfacesCreated: data.interfaces.length };
    });
  }

  /** Systems and interfaces as JSON, in the shape `importRegistry` reads back. */
  async exportRegistry(): Promise<{ format: string; systems: Array<NewSystem & { status?: System['status'] }>; interfaces: NewInterface[] }> {
    const systems = (await this.systems.list()).map(presentSystem).map(({ id: _id, ...rest }) => rest);
    const names = await this.systems.names();
    const rows = await this.models.Interface.findAll({ order: [['key', 'ASC']] });
    const interfaces = rows.map((row) => {
      const { revision: _revision, sourceSystem, targetSystem, ...registered } = auditViewOfInterface(row, names);
      return { ...registered, sourceSystem: sourceSystem!, targetSystem: targetSystem! };
    });
    return { format: 'gxpw.registry.v1', systems, interfaces };
  }

  /**
   * What needs attention in the live (not retired) inventory: the portfolio by layer × risk level,
   * and interfaces without a current contract, without an assessment, or overdue for review.
   */
  async views(now: Date): Promise<RegistryViews> {
    const rows = await this.models.Interface.findAll({
      attributes: ['key', 'layer', 'riskLevel', 'currentContractVersion', 'reviewDue'],
      where: { status: { [Op.ne]: 'retired' } },
      order: [['key', 'ASC']],
    });
    const portfolio: Record<string, Record<string, number>> = {};
    for (const row of rows) {
      const byLevel = (portfolio[row.layer] ??= {});
      const level = row.riskLevel ?? 'unassessed';
      byLevel[level] = (byLevel[level] ?? 0) + 1;
    }
    const today = now.toISOString();
    return {
      asOf: today,
      total: rows.length,
      portfolio,
      withoutContract: rows.filter((r) => r.currentContractVersion === null).map((r) => r.key),
      withoutAssessment: rows.filter((r) => r.riskLevel === null).map((r) => r.key),
      reviewOverdue: rows.filter((r) => r.reviewDue !== null && r.reviewDue < today).map((r) => ({ key: r.key, reviewDue: r.reviewDue! })),
    };
  }

  /** Keeps the registry's view of the newest contract in step (called by the contract service). */
  async setCurrentContract(tx: Transaction, interfaceId: number, version: number): Promise<void> {
    await this.models.Interface.update({ currentContractVersion: version }, { where: { id: interfaceId }, transaction: tx });
  }

  /** Keeps the registry's view of the current risk assessment in step (called by the risk service). */
  async setCurrentAssessment(tx: Transaction, interfaceId: number, assessment: { id: number; level: string; reviewDue: string | null }): Promise<void> {
    await this.models.Interface.update({ currentAssessmentId: assessment.id, riskLevel: assessment.level, reviewDue: assessment.reviewDue }, { where: { id: interfaceId }, transaction: tx });
  }

  /**
   * Inserts new interfaces with their platform index and one audit event each: multi-row statements
   * without model instances, since an import may bring thousands (the benchmark holds it to a quarter
   * of the speed of raw inserts).
   */
  private async insertAll(tx: Transaction, ctx: RequestContext, inputs: NewInterface[], names: Map<number, string>): Promise<Array<{ id: number; key: string }>> {
    const sql = this.database.sequelize;
    const idOf = new Map([...names.entries()].map(([id, name]) => [name, id]));
    const now = timestampValue(this.database.dialect, new Date());
    const created: Array<{ id: number; key: string }> = [];
    // Every text named resolves to its platform record first (a new product becomes one, audited).
    const platformIds = await this.platforms.resolveReferences(tx, ctx, inputs.map((i) => ({ interfaceKey: i.key, platforms: i.platforms })));
    for (let start = 0; start < inputs.length; start += IMPORT_CHUNK) {
      const chunk = inputs.slice(start, start + IMPORT_CHUNK).map(registeredOf);
      await sql.query(insertRowsSql('interfaces', INSERT_COLUMNS, chunk.length), {
        replacements: chunk.flatMap((i) => [i.key, i.name, idOf.get(i.sourceSystem), idOf.get(i.targetSystem), i.layer, i.pattern, i.direction, JSON.stringify(i.messageTypes), JSON.stringify(i.dataDomains), JSON.stringify(i.platforms), i.gxpRelevant, i.intendedUse, i.owner, JSON.stringify(i.environments), i.status, i.retiredReason, i.revision, now, now]),
        transaction: tx,
      });
      // Read back by key: a multi-row INSERT does not report every new id on every dialect.
      const ids = await sql.query<{ id: number; key: string }>('SELECT id, key FROM interfaces WHERE key IN (?)', { replacements: [chunk.map((i) => i.key)], type: QueryTypes.SELECT, transaction: tx });
      const idByKey = new Map(ids.map((row) => [row.key, Number(row.id)]));
      const platforms = chunk.flatMap((i) => i.platforms.map((platform) => [idByKey.get(i.key), platform, platformIds.get(platform)]));
      for (let p = 0; p < platforms.length; p += IMPORT_CHUNK) {
        const rows = platforms.slice(p, p + IMPORT_CHUNK);
        await sql.query(insertRowsSql('interface_platforms', ['interface_id', 'platform', 'platform_id'], rows.length), { replacements: rows.flat(), transaction: tx });
      }
      await this.audit.recordMany(tx, ctx, chunk.map((i) => ({ action: 'interface.created', entityType: 'interface', entityId: i.key, change: 'create' as const, after: i })));
      created.push(...chunk.map((i) => ({ id: idByKey.get(i.key)!, key: i.key })));
    }
    return created;
  }

  private columnsOf(input: InterfaceChanges, names: Map<number, string>): Partial<Interface> {
    const idOf = (name: string) => [...names.entries()].find(([, n]) => n === name)![0];
    const columns: Record<string, unknown> = {};
    if (input.name !== undefined) columns.name = input.name.trim();
    if (input.sourceSystem !== undefined) columns.sourceSystemId = idOf(input.sourceSystem);
    if (input.targetSystem !== undefined) columns.targetSystemId = idOf(input.targetSystem);
    for (const field of ['layer', 'pattern', 'direction', 'gxpRelevant', 'intendedUse', 'owner'] as const) if (input[field] !== undefined) columns[field] = input[field];
    for (const field of ['messageTypes', 'dataDomains', 'platforms'] as const) if (input[field] !== undefined) columns[field] = JSON.stringify(input[field]);
    if (input.environments !== undefined) columns.environments = JSON.stringify(input.environments);
    return columns as Partial<Interface>;
  }

  /** The systems an interface names must exist and, unless the interface itself is retired, be in service. */
  private async systemProblems(input: { sourceSystem?: string | undefined; targetSystem?: string | undefined; status?: InterfaceStatus | undefined }, names: Map<number, string>, field: string, tx: Transaction): Promise<ErrorDetail[]> {
    const known = new Set(names.values());
    const retired = input.status === 'retired' ? new Set<string>() : new Set((await this.systems.list(tx)).filter((s) => s.status === 'retired').map((s) => s.name));
    return (['sourceSystem', 'targetSystem'] as const).flatMap((side) => {
      const name = input[side];
      if (name === undefined) return [];
      if (!known.has(name)) return [{ field: `${field}.${side}`, rule: 'exists', message: `no system named '${name}'` }];
      return retired.has(name) ? [{ field: `${field}.${side}`, rule: 'in-service', message: `system '${name}' is retired` }] : [];
    });
  }

  private async duplicateKeyProblems(keys: string[], field: string, tx: Transaction, indexOf?: Map<string, number>): Promise<ErrorDetail[]> {
    const taken: Interface[] = [];
    for (let start = 0; start < keys.length; start += IMPORT_CHUNK) {
      taken.push(...(await this.models.Interface.findAll({ attributes: ['key'], where: { key: keys.slice(start, start + IMPORT_CHUNK) }, transaction: tx })));
    }
    return taken.map((row) => ({
      field: indexOf ? `${field}.${indexOf.get(row.key)}.key` : `${field}.key`,
      rule: 'unique',
      message: `an interface with key ${row.key} already exists (keys are never reused)`,
    }));
  }

  private async replacePlatforms(tx: Transaction, ctx: RequestContext, row: Interface, platforms: string[]): Promise<void> {
    const platformIds = await this.platforms.resolveReferences(tx, ctx, [{ interfaceKey: row.key, platforms }]);
    await this.models.InterfacePlatform.destroy({ where: { interfaceId: row.id }, transaction: tx });
    await this.models.InterfacePlatform.bulkCreate(platforms.map((platform) => ({ interfaceId: row.id, platform, platformId: platformIds.get(platform)! })), { transaction: tx });
  }

  /**
   * The interface, locked until `tx` ends: writers that derive something from its current state (the
   * next contract version, the assessment to supersede) queue behind each other on PostgreSQL too.
   */
  async locked(tx: Transaction, key: string): Promise<Interface> {
    const row = await this.models.Interface.findOne({ where: { key }, transaction: tx, lock: tx.LOCK.UPDATE });
    if (!row) throw new NotFoundError(`No interface with key ${key}.`, 'interface_not_found');
    return row;
  }

  /** The filter as one WHERE clause: system names and platforms are matched in subqueries, not fetched first. */
  private whereOf(filter: InterfaceFilter): WhereOptions<Interface> {
    const where: Record<string | symbol, unknown> = {};
    for (const field of ['layer', 'status', 'pattern', 'riskLevel', 'gxpRelevant'] as const) if (filter[field] !== undefined) where[field] = filter[field];
    // "unassessed" is how the registry views name an interface without a risk level.
    if (filter.riskLevel === 'unassessed') where.riskLevel = null;
    const and: unknown[] = [];
    if (filter.live) and.push({ status: { [Op.ne]: 'retired' } });
    if (filter.withoutContract) and.push({ currentContractVersion: null });
    const escape = (value: string) => this.database.sequelize.escape(value);
    if (filter.system !== undefined) {
      const ids = literal(`(SELECT id FROM systems WHERE name = ${escape(filter.system)})`);
      and.push({ [Op.or]: [{ sourceSystemId: { [Op.in]: ids } }, { targetSystemId: { [Op.in]: ids } }] });
    }
    if (filter.platform !== undefined) {
      and.push({ id: { [Op.in]: literal(`(SELECT interface_id FROM interface_platforms WHERE platform = ${escape(filter.platform)})`) } });
    }
    if (filter.dataDomain !== undefined) and.push({ dataDomains: { [Op.like]: `%"${filter.dataDomain}"%` } });
    if (filter.q !== undefined) {
      // A plain, case-insensitive substring (no LIKE wildcards to escape): instr / strpos.
      const position = this.database.dialect === 'postgres' ? 'strpos' : 'instr';
      const contains = (column: string) => Sequelize.where(Sequelize.fn(position, Sequelize.fn('lower', Sequelize.col(column)), filter.q!.toLowerCase()), Op.gt, 0);
      and.push({ [Op.or]: [contains('key'), contains('name')] });
    }
    if (and.length) where[Op.and] = and;
    return where as WhereOptions<Interface>;
  }
}

function registryError(problems: ErrorDetail[]): ValidationError {
  return new ValidationError(`${problems.length} problem(s); nothing was changed.`, problems, 'registry_invalid');
}

function sameSystem(current: ReturnType<typeof presentSystem>, incoming: NewSystem): boolean {
  return (['kind', 'vendor', 'product', 'version', 'gampCategory', 'layer', 'owner'] as const).every((field) => current[field] === incoming[field]);
}
