// Systems of the landscape (ERP, WMS, serialization …): created, edited with a reason, retired —
// never deleted, since interfaces and their validation history name them.
import { Op, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { RegistryModels, System } from './registry-models.js';
import { presentSystem } from './registry-presenter.js';

export interface NewSystem {
  name: string;
  kind: System['kind'];
  vendor: string;
  product: string;
  version: string;
  gampCategory: number;
  layer: System['layer'];
  owner: string;
}

export type SystemChanges = Partial<NewSystem> & { status?: System['status'] };

export class SystemService {
  constructor(
    private readonly database: Database,
    private readonly models: RegistryModels,
    private readonly audit: AuditTrail,
  ) {}

  async create(ctx: RequestContext, input: NewSystem): Promise<System> {
    return this.database.write((tx) => this.createInTransaction(tx, ctx, input));
  }

  /** Creates a system in the caller's transaction; an import may bring a retired one. */
  async createInTransaction(tx: Transaction, ctx: RequestContext, input: NewSystem & { status?: System['status'] }): Promise<System> {
    const name = input.name.trim();
    if (await this.models.System.findOne({ where: { name }, transaction: tx })) throw new ConflictError(`A system named '${name}' already exists.`, 'system_exists');
    const system = await this.models.System.create({ ...input, name, status: input.status ?? 'active' }, { transaction: tx });
    await this.audit.record(tx, ctx, { action: 'system.created', entityType: 'system', entityId: system.id, change: 'create', after: presentSystem(system) });
    return system;
  }

  async update(ctx: RequestContext, id: number, changes: SystemChanges, reason: string): Promise<System> {
    return this.database.write(async (tx) => {
      const system = await this.models.System.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!system) throw new NotFoundError(`No system with id ${id}.`, 'system_not_found');
      if (changes.name !== undefined && changes.name.trim() !== system.name && (await this.models.System.findOne({ where: { name: changes.name.trim() }, transaction: tx }))) {
        throw new ConflictError(`A system named '${changes.name.trim()}' already exists.`, 'system_exists');
      }
      if (changes.status === 'retired' && system.status !== 'retired') {
        // The inventory must not show live interfaces on a decommissioned system (Annex 11 §4.3).
        const live = await this.models.Interface.findAll({ attributes: ['key'], where: { status: { [Op.ne]: 'retired' }, [Op.or]: [{ sourceSystemId: id }, { targetSystemId: id }] }, order: [['key', 'ASC']], transaction: tx });
        if (live.length) {
          const keys = live.map((row) => row.key);
          throw new ConflictError(`System '${system.name}' still has ${keys.length} interface(s) that are not retired (${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', …' : ''}): retire them or move them to another system first.`, 'system_in_use');
        }
      }
      const before = presentSystem(system);
      system.set({ ...changes, ...(changes.name !== undefined ? { name: changes.name.trim() } : {}) });
      await system.save({ transaction: tx });
      const action = changes.status && changes.status !== before.status ? `system.${changes.status === 'retired' ? 'retired' : 'reactivated'}` : 'system.updated';
      await this.audit.record(tx, ctx, { action, entityType: 'system', entityId: system.id, change: 'update', before, after: presentSystem(system), reason });
      return system;
    });
  }

  async get(id: number): Promise<System> {
    const system = await this.models.System.findByPk(id);
    if (!system) throw new NotFoundError(`No system with id ${id}.`, 'system_not_found');
    return system;
  }

  async list(tx?: Transaction): Promise<System[]> {
    return this.models.System.findAll({ order: [['name', 'ASC']], transaction: tx });
  }

  /** id → name of every system, for presenting interfaces. */
  async names(tx?: Transaction): Promise<Map<number, string>> {
    return new Map((await this.list(tx)).map((s) => [s.id, s.name]));
  }
}
