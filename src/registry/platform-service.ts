// Platforms as registry records: created, edited with a reason, their version in service set per
// environment, retired — never deleted — each change audited in its own transaction (Part 11
// §11.10(e)). Interfaces name a platform as text ("MuleSoft Runtime 4.6"); the text resolves here to
// a record, so change control asks "which interfaces run on this platform" of an index (Annex 11 §10).
import { QueryTypes, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import { platformKeyOf, splitPlatformText, type Platform, type PlatformKind, type PlatformModels, type PlatformStatus } from './platform-model.js';
import { auditViewOfPlatform, presentPlatformDetail, type PlatformRecord } from './platform-presenter.js';
import type { RegistryModels } from './registry-models.js';

export interface NewPlatform {
  /** Defaults to the name as a slug ("MuleSoft Runtime" → "mulesoft-runtime"). */
  key?: string;
  name: string;
  vendor?: string | null;
  kind: PlatformKind;
  /** Environment → version in service there, e.g. { test: "4.9", production: "4.6" }. */
  versions?: Record<string, string>;
  /** Ids of the systems that run on it. */
  systemIds?: number[];
}

export interface PlatformChanges {
  name?: string;
  vendor?: string | null;
  kind?: PlatformKind;
  systemIds?: number[];
  status?: PlatformStatus;
}

/** An active interface on a platform, as the change service's impact analysis reads it. */
export interface InterfaceOnPlatform {
  id: number;
  key: string;
  name: string;
  riskLevel: string | null;
  environments: Record<string, string>;
  /** What the regression of the interface is sized from, so the analysis need not read it again. */
  currentAssessmentId: number | null;
  currentContractVersion: number | null;
}

/** A free-text platform adopted as a record after migration 0015. */
export interface AdoptedPlatform {
  platform: string;
  created: boolean;
  texts: string[];
  interfaces: number;
}

/** One interface's platform texts, as an interface write names them. */
export interface PlatformReferences {
  interfaceKey: string;
  platforms: string[];
  /** A live (not retired) interface may not name a retired platform. */
  live: boolean;
  /** Where the texts are in the request, for problems (`body.platforms`, `body.interfaces.3.platforms`). */
  field: string;
}

/** A platform without its interface counts (findByName). */
export type PlatformSummary = Omit<PlatformRecord, 'interfaceCounts'>;
export type PlatformDetail = ReturnType<typeof presentPlatformDetail>;

const ADOPTION_REASON = 'migration 0015: platforms become records';
/** Interfaces named per adoption event: their states are digested into it. */
const ADOPTION_CHUNK = 1000;

interface PlatformRow {
  id: number;
  key: string;
  name: string;
  status: PlatformStatus;
}

/** The platforms a batch of texts is resolved against: read once per transaction, a few dozen rows. */
class PlatformDirectory {
  private readonly byName = new Map<string, PlatformRow>();
  private readonly byKey = new Map<string, PlatformRow>();
  private readonly names: string[] = [];

  constructor(rows: PlatformRow[]) {
    for (const row of rows) this.add(row);
  }

  add(row: PlatformRow): void {
    this.byName.set(row.name.toLowerCase(), row);
    this.byKey.set(row.key, row);
    this.names.push(row.name);
  }

  /** The product a text names, and the record it is (null: no such platform yet). */
  resolve(text: string): { product: string; row: PlatformRow | null } {
    const { product } = splitPlatformText(text, this.names);
    return { product, row: this.byName.get(product.toLowerCase()) ?? this.byKey.get(platformKeyOf(product)) ?? null };
  }

  keyTaken(key: string): boolean {
    return this.byKey.has(key);
  }
}

export class PlatformService {
  constructor(
    private readonly database: Database,
    private readonly models: PlatformModels,
    private readonly registry: Pick<RegistryModels, 'System'>,
    private readonly audit: AuditTrail,
  ) {}

  async create(ctx: RequestContext, input: NewPlatform): Promise<PlatformRecord> {
    return this.database.write(async (tx) => {
      const platform = await this.createInTransaction(tx, ctx, input, null);
      return this.recordOf(platform, tx);
    });
  }

  async update(ctx: RequestContext, key: string, changes: PlatformChanges, reason: string): Promise<PlatformRecord> {
    return this.database.write(async (tx) => {
      const platform = await this.locked(tx, key);
      const before = await this.auditView(platform, tx);
      if (changes.name !== undefined) await this.assertNameFree(tx, normalizedName(changes.name), platform.id);
      if (changes.systemIds !== undefined) await this.assertSystemsExist(tx, changes.systemIds);
      if (changes.status === 'retired' && platform.status !== 'retired') await this.assertNotInUse(tx, platform);
      if (platform.status === 'retired' && changes.status !== 'active') throw new ConflictError(`Platform ${key} is retired: reactivate it (status "active") to edit it.`, 'platform_retired');
      platform.set({
        ...(changes.name !== undefined ? { name: normalizedName(changes.name) } : {}),
        ...(changes.vendor !== undefined ? { vendor: changes.vendor?.trim() || null } : {}),
        ...(changes.kind !== undefined ? { kind: changes.kind } : {}),
        ...(changes.systemIds !== undefined ? { systemIds: systemIdsJson(changes.systemIds) } : {}),
        ...(changes.status !== undefined ? { status: changes.status, retiredReason: changes.status === 'retired' ? reason.trim() : null } : {}),
      });
      await platform.save({ transaction: tx });
      const after = await this.auditView(platform, tx);
      const action = changes.status !== undefined && changes.status !== before.status ? (changes.status === 'retired' ? 'platform.retired' : 'platform.reactivated') : 'platform.updated';
      await this.audit.record(tx, ctx, { action, entityType: 'platform', entityId: platform.key, change: changes.status !== before.status && changes.status !== undefined ? 'status' : 'update', before, after, reason });
      return this.recordOf(platform, tx);
    });
  }

  /**
   * Sets the version in service in one environment (a release went live there), audited with the
   * reason. The change service calls it inside its own transaction when a change is implemented;
   * without `tx` it is a transaction of its own. Setting the version it already has changes nothing.
   */
  async setVersion(ctx: RequestContext, platformKey: string, environment: string, version: string, reason: string, tx?: Transaction): Promise<PlatformRecord> {
    const work = async (t: Transaction) => {
      const platform = await this.locked(t, platformKey);
      if (platform.status === 'retired') throw new ConflictError(`Platform ${platformKey} is retired: its versions no longer change.`, 'platform_retired');
      const value = version.trim();
      const current = await this.models.PlatformVersion.findOne({ where: { platformId: platform.id, environment }, transaction: t });
      if (current?.version === value) return this.recordOf(platform, t);
      const before = await this.auditView(platform, t);
      if (current) await this.models.PlatformVersion.update({ version: value }, { where: { platformId: platform.id, environment }, transaction: t });
      else await this.models.PlatformVersion.create({ platformId: platform.id, environment, version: value }, { transaction: t });
      const after = await this.auditView(platform, t);
      await this.audit.record(t, ctx, { action: 'platform.version_set', entityType: 'platform', entityId: platform.key, change: 'update', before, after, reason });
      return this.recordOf(platform, t);
    };
    return tx ? work(tx) : this.database.write(work);
  }

  /** A platform by key, or by id (a number; or digits no key has). */
  async get(keyOrId: string | number, tx?: Transaction): Promise<PlatformRecord> {
    const byId = (id: number) => (Number.isSafeInteger(id) && id > 0 ? this.models.Platform.findByPk(id, { transaction: tx }) : null);
    const platform = typeof keyOrId === 'number' ? await byId(keyOrId) : ((await this.models.Platform.findOne({ where: { key: keyOrId }, transaction: tx })) ?? (/^[1-9]\d{0,9}$/.test(keyOrId) ? await byId(Number(keyOrId)) : null));
    if (!platform) throw new NotFoundError(`No platform ${keyOrId}.`, 'platform_not_found');
    return this.recordOf(platform, tx);
  }

  /**
   * The platform of that name (any case), or whose key it slugs to; null when none. Without its
   * interface counts: callers look a platform up to act on it, and counting reads every interface on it.
   */
  async findByName(name: string, tx?: Transaction): Promise<PlatformSummary | null> {
    const rows = await this.models.Platform.findAll({ transaction: tx });
    const folded = normalizedName(name).toLowerCase();
    const found = rows.find((row) => row.name.toLowerCase() === folded) ?? rows.find((row) => row.key === platformKeyOf(name));
    if (!found) return null;
    const { interfaceCounts: _counts, ...summary } = recordOfRows(found, await this.models.PlatformVersion.findAll({ where: { platformId: found.id }, transaction: tx }), await this.systemNames(tx));
    return summary;
  }

  /** Every platform, by key, with its versions, systems and how many interfaces of each status run on it. */
  async list(tx?: Transaction): Promise<PlatformRecord[]> {
    const rows = await this.models.Platform.findAll({ order: [['key', 'ASC']], transaction: tx });
    const versions = await this.models.PlatformVersion.findAll({ transaction: tx });
    const counts = await this.interfaceCounts(tx);
    const names = await this.systemNames(tx);
    return rows.sort((a, b) => compare(a.key, b.key)).map((row) => recordOfRows(row, versions.filter((v) => v.platformId === row.id), names, counts.get(row.id)));
  }

  /** One platform as the API shows it, with every interface naming it. */
  async view(key: string): Promise<PlatformDetail> {
    const record = await this.get(key);
    return presentPlatformDetail(record, await this.referencesOf(record.id));
  }

  /**
   * The active interfaces that run on the platform, ordered by key: one query over the platform
   * index (interface_platforms by platform_id, then each interface by primary key), whatever their
   * number. The rows come back as one JSON array built by the database: the driver then makes one
   * value instead of five per interface, which is most of the cost at thousands of interfaces
   * (`npm run bench changes`).
   */
  async interfacesOn(platformId: number, tx?: Transaction): Promise<InterfaceOnPlatform[]> {
    const sql = this.database.dialect === 'postgres' ? INTERFACES_ON_POSTGRES : INTERFACES_ON_SQLITE;
    const [row] = tx
      ? await this.database.sequelize.query<{ rows: unknown }>(sql, { replacements: [platformId], type: QueryTypes.SELECT, transaction: tx })
      : await this.database.read<{ rows: unknown }>(sql, [platformId]);
    // SQLite gives the array as text, PostgreSQL as parsed JSON (null when no row matched).
    const rows = (typeof row?.rows === 'string' ? JSON.parse(row.rows) : (row?.rows ?? [])) as Array<[number, string, string, string | null, Record<string, string>, number | null, number | null]>;
    // Ordered here, not by the database's collation: the same order on SQLite and PostgreSQL.
    return rows
      .map(([id, key, name, riskLevel, environments, assessmentId, contractVersion]) => ({
        id: Number(id),
        key,
        name,
        riskLevel,
        environments,
        currentAssessmentId: assessmentId === null ? null : Number(assessmentId),
        currentContractVersion: contractVersion === null ? null : Number(contractVersion),
      }))
      .sort((a, b) => compare(a.key, b.key));
  }

  /** Every interface (any status) naming the platform, with the text it names it by: for its page. */
  async referencesOf(platformId: number, tx?: Transaction): Promise<Array<{ key: string; name: string; status: string; riskLevel: string | null; platform: string }>> {
    const rows = await this.database.sequelize.query<{ key: string; name: string; status: string; risk_level: string | null; platform: string }>(
      'SELECT i.key, i.name, i.status, i.risk_level, ip.platform FROM interface_platforms ip JOIN interfaces i ON i.id = ip.interface_id WHERE ip.platform_id = ?',
      { replacements: [platformId], type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.map((r) => ({ key: r.key, name: r.name, status: r.status, riskLevel: r.risk_level ?? null, platform: r.platform })).sort((a, b) => compare(a.key, b.key) || compare(a.platform, b.platform));
  }

  /** What is wrong with the platforms these interfaces name, found before anything is written. */
  async referenceProblems(tx: Transaction, items: PlatformReferences[]): Promise<ErrorDetail[]> {
    const directory = await this.directory(tx);
    const problems: ErrorDetail[] = [];
    for (const item of items) {
      if (!item.live) continue;
      for (const [index, text] of item.platforms.entries()) {
        const { row } = directory.resolve(text);
        if (row?.status === 'retired') problems.push({ field: `${item.field}.${index}`, rule: 'in-service', message: `platform '${row.name}' (${row.key}) is retired` });
      }
    }
    return problems;
  }

  /**
   * The platform record each text refers to (text → platform id). A product no record has yet
   * becomes one — kind "other", no versions — audited as named by the first interface naming it:
   * refusing it would break every client that registered interfaces before platforms were records,
   * and the record can be completed (vendor, kind, versions) afterwards.
   */
  async resolveReferences(tx: Transaction, ctx: RequestContext, items: Array<Pick<PlatformReferences, 'interfaceKey' | 'platforms'>>, reason?: string): Promise<Map<string, number>> {
    const directory = await this.directory(tx);
    const ids = new Map<string, number>();
    for (const item of items) {
      for (const text of item.platforms) {
        if (ids.has(text)) continue;
        const { product, row } = directory.resolve(text);
        if (row) {
          ids.set(text, row.id);
          continue;
        }
        const created = await this.createInTransaction(tx, ctx, { key: uniqueKey(directory, product), name: product, kind: 'other' }, reason ?? `named by interface ${item.interfaceKey} as "${text}"`);
        directory.add({ id: created.id, key: created.key, name: created.name, status: created.status });
        ids.set(text, created.id);
      }
    }
    return ids;
  }

  /**
   * Links the platform index rows written before migration 0015 (free text only) to platform
   * records, creating the records first: audited as the caller (the migration), with the
   * interfaces whose index rows it linked named in the events. One cheap query when nothing is left.
   */
  async adoptFreeText(ctx: RequestContext): Promise<AdoptedPlatform[]> {
    const pending = await this.database.read<{ platform: string }>('SELECT DISTINCT platform FROM interface_platforms WHERE platform_id IS NULL');
    if (!pending.length) return [];
    return this.database.write(async (tx) => {
      const texts = (await this.database.sequelize.query<{ platform: string }>('SELECT DISTINCT platform FROM interface_platforms WHERE platform_id IS NULL', { type: QueryTypes.SELECT, transaction: tx }))
        .map((r) => r.platform)
        .sort(compare);
      const known = new Set((await this.models.Platform.findAll({ attributes: ['id'], transaction: tx })).map((p) => p.id));
      const ids = await this.resolveReferences(tx, ctx, [{ interfaceKey: '', platforms: texts }], ADOPTION_REASON);
      const byPlatform = new Map<number, string[]>();
      for (const text of texts) byPlatform.set(ids.get(text)!, [...(byPlatform.get(ids.get(text)!) ?? []), text]);
      const adopted: AdoptedPlatform[] = [];
      for (const [platformId, named] of byPlatform) {
        const keys = await this.database.sequelize.query<{ key: string }>(
          'SELECT DISTINCT i.key FROM interfaces i JOIN interface_platforms ip ON ip.interface_id = i.id WHERE ip.platform_id IS NULL AND ip.platform IN (:named)',
          { replacements: { named }, type: QueryTypes.SELECT, transaction: tx },
        );
        await this.database.sequelize.query('UPDATE interface_platforms SET platform_id = :platformId WHERE platform_id IS NULL AND platform IN (:named)', { replacements: { platformId, named }, transaction: tx });
        const platform = (await this.models.Platform.findByPk(platformId, { transaction: tx }))!;
        const interfaceKeys = keys.map((k) => k.key).sort(compare);
        const entries = [];
        for (let start = 0; start < interfaceKeys.length; start += ADOPTION_CHUNK) {
          const chunk = interfaceKeys.slice(start, start + ADOPTION_CHUNK);
          entries.push({
            action: 'platform.references_adopted',
            entityType: 'platform',
            entityId: platform.key,
            change: 'update' as const,
            after: { texts: named, interfaces: chunk },
            reason: ADOPTION_REASON,
            states: chunk.map((key) => ({ type: 'interface', id: key })),
          });
        }
        await this.audit.recordMany(tx, ctx, entries);
        adopted.push({ platform: platform.key, created: !known.has(platformId), texts: named, interfaces: interfaceKeys.length });
      }
      return adopted.sort((a, b) => compare(a.platform, b.platform));
    });
  }

  private async createInTransaction(tx: Transaction, ctx: RequestContext, input: NewPlatform, reason: string | null): Promise<Platform> {
    const name = normalizedName(input.name);
    const key = input.key ?? platformKeyOf(name);
    if (await this.models.Platform.findOne({ where: { key }, transaction: tx })) throw new ConflictError(`A platform with key ${key} already exists (keys are never reused).`, 'platform_exists');
    await this.assertNameFree(tx, name, null);
    if (input.systemIds?.length) await this.assertSystemsExist(tx, input.systemIds);
    const platform = await this.models.Platform.create(
      { key, name, vendor: input.vendor?.trim() || null, kind: input.kind, status: 'active', retiredReason: null, systemIds: systemIdsJson(input.systemIds ?? []) },
      { transaction: tx },
    );
    const versions = Object.entries(input.versions ?? {}).map(([environment, version]) => ({ platformId: platform.id, environment, version: version.trim() }));
    if (versions.length) await this.models.PlatformVersion.bulkCreate(versions, { transaction: tx });
    await this.audit.record(tx, ctx, { action: 'platform.created', entityType: 'platform', entityId: key, change: 'create', after: await this.auditView(platform, tx), reason });
    return platform;
  }

  private async systemNames(tx?: Transaction): Promise<Map<number, string>> {
    return new Map((await this.registry.System.findAll({ attributes: ['id', 'name'], transaction: tx })).map((s) => [s.id, s.name]));
  }

  private async directory(tx: Transaction): Promise<PlatformDirectory> {
    return new PlatformDirectory(await this.models.Platform.findAll({ attributes: ['id', 'key', 'name', 'status'], raw: true, transaction: tx }));
  }

  /** The platform, locked until `tx` ends: concurrent edits queue behind each other on PostgreSQL too. */
  private async locked(tx: Transaction, key: string): Promise<Platform> {
    const platform = await this.models.Platform.findOne({ where: { key }, transaction: tx, lock: tx.LOCK.UPDATE });
    if (!platform) throw new NotFoundError(`No platform ${key}.`, 'platform_not_found');
    return platform;
  }

  private async assertNameFree(tx: Transaction, name: string, self: number | null): Promise<void> {
    const folded = name.toLowerCase();
    const clash = (await this.models.Platform.findAll({ attributes: ['id', 'key', 'name'], transaction: tx })).find((p) => p.name.toLowerCase() === folded && p.id !== self);
    if (clash) throw new ConflictError(`A platform named '${clash.name}' already exists (${clash.key}).`, 'platform_exists');
  }

  private async assertSystemsExist(tx: Transaction, systemIds: number[]): Promise<void> {
    const found = new Set((await this.registry.System.findAll({ attributes: ['id'], where: { id: systemIds }, transaction: tx })).map((s) => s.id));
    const missing = systemIds.map((id, index) => ({ id, index })).filter(({ id }) => !found.has(id));
    if (missing.length) {
      throw new ValidationError(`${missing.length} system id(s) name no system; nothing was changed.`, missing.map(({ id, index }) => ({ field: `body.systemIds.${index}`, rule: 'exists', message: `no system with id ${id}` })), 'platform_invalid');
    }
  }

  /** A platform live interfaces still name cannot be retired (the inventory would show them on nothing in service). */
  private async assertNotInUse(tx: Transaction, platform: Platform): Promise<void> {
    const live = await this.database.sequelize.query<{ key: string }>(
      "SELECT key FROM interfaces WHERE status <> 'retired' AND id IN (SELECT interface_id FROM interface_platforms WHERE platform_id = ?)",
      { replacements: [platform.id], type: QueryTypes.SELECT, transaction: tx },
    );
    if (live.length) {
      const keys = live.map((r) => r.key).sort(compare);
      throw new ConflictError(`Platform ${platform.key} still runs ${keys.length} interface(s) that are not retired (${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', …' : ''}): move or retire them first.`, 'platform_in_use');
    }
  }

  private async auditView(platform: Platform, tx?: Transaction) {
    return auditViewOfPlatform(platform, await this.models.PlatformVersion.findAll({ where: { platformId: platform.id }, transaction: tx }));
  }

  private async recordOf(platform: Platform, tx?: Transaction): Promise<PlatformRecord> {
    const versions = await this.models.PlatformVersion.findAll({ where: { platformId: platform.id }, transaction: tx });
    return recordOfRows(platform, versions, await this.systemNames(tx), (await this.interfaceCounts(tx, platform.id)).get(platform.id));
  }

  /** platform id → interfaces naming it, by status (one grouped query). */
  private async interfaceCounts(tx?: Transaction, platformId?: number): Promise<Map<number, Record<string, number>>> {
    const rows = await this.database.sequelize.query<{ platform_id: number; status: string; n: number | string }>(
      'SELECT ip.platform_id, i.status, COUNT(DISTINCT i.id) AS n FROM interface_platforms ip JOIN interfaces i ON i.id = ip.interface_id ' +
        `WHERE ip.platform_id ${platformId === undefined ? 'IS NOT NULL' : '= :platformId'} GROUP BY ip.platform_id, i.status`,
      { replacements: platformId === undefined ? {} : { platformId }, type: QueryTypes.SELECT, transaction: tx },
    );
    const counts = new Map<number, Record<string, number>>();
    for (const row of rows) {
      const id = Number(row.platform_id);
      counts.set(id, { ...(counts.get(id) ?? {}), [row.status]: Number(row.n) });
    }
    return counts;
  }
}

// Each interface once, even when it names the platform twice ("… 4.6" and "… 4.9"); CROSS JOIN
// keeps SQLite on the platform index first (PostgreSQL plans it as an inner join).
const ACTIVE_ON_PLATFORM = "FROM (SELECT DISTINCT interface_id FROM interface_platforms WHERE platform_id = ?) ip CROSS JOIN interfaces i WHERE i.id = ip.interface_id AND i.status = 'active'";
const ON_PLATFORM_COLUMNS = 'i.id, i.key, i.name, i.risk_level, %ENVIRONMENTS%, i.current_assessment_id, i.current_contract_version';
const INTERFACES_ON_SQLITE = `SELECT json_group_array(json_array(${ON_PLATFORM_COLUMNS.replace('%ENVIRONMENTS%', 'json(i.environments)')})) AS rows ${ACTIVE_ON_PLATFORM}`;
const INTERFACES_ON_POSTGRES = `SELECT json_agg(json_build_array(${ON_PLATFORM_COLUMNS.replace('%ENVIRONMENTS%', 'i.environments::json')})) AS rows ${ACTIVE_ON_PLATFORM}`;

function recordOfRows(platform: Platform, versions: Array<{ environment: string; version: string }>, systemNames: ReadonlyMap<number, string>, counts: Record<string, number> = {}): PlatformRecord {
  return {
    id: platform.id,
    key: platform.key,
    name: platform.name,
    vendor: platform.vendor,
    kind: platform.kind,
    status: platform.status,
    retiredReason: platform.retiredReason,
    versions: Object.fromEntries([...versions].sort((a, b) => compare(a.environment, b.environment)).map((v) => [v.environment, v.version])),
    systems: (JSON.parse(platform.systemIds) as number[]).map((id) => ({ id, name: systemNames.get(id) ?? null })),
    interfaceCounts: { active: counts.active ?? 0, draft: counts.draft ?? 0, retired: counts.retired ?? 0 },
  };
}

/** Names are kept with single spaces, so a text's product matches them whatever its spacing. */
function normalizedName(name: string): string {
  return name.trim().split(/\s+/).join(' ');
}

function systemIdsJson(ids: number[]): string {
  return JSON.stringify([...new Set(ids)].sort((a, b) => a - b));
}

/** The first free key for a new platform named `product`: its slug, then slug-2, slug-3 … */
function uniqueKey(directory: PlatformDirectory, product: string): string {
  const base = platformKeyOf(product);
  if (!directory.keyTaken(base)) return base;
  for (let n = 2; ; n += 1) if (!directory.keyTaken(`${base}-${n}`)) return `${base}-${n}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
