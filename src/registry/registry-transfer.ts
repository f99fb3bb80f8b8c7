// The whole registry as one JSON document — systems, interfaces and every contract version — and
// its import as one all-or-nothing transaction. Contracts are read and compiled before the
// transaction, so an unusable document is listed with the other problems and nothing is written.
// Risk assessments are not imported: they are signed records of who assessed what, and when.
import type { Transaction } from 'sequelize';
import { AppError, type ErrorDetail } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { ContractService, NewContract, PreparedContract } from './contract-service.js';
import type { InterfaceService, NewInterface, RegistryImport } from './interface-service.js';
import type { RegistryModels } from './registry-models.js';
import type { NewSystem } from './system-service.js';

export const REGISTRY_FORMAT = 'gxpw.registry.v1';

export interface RegistryDocument extends RegistryImport {
  format?: typeof REGISTRY_FORMAT;
  interfaces: Array<NewInterface & { contracts?: NewContract[] }>;
}

export class RegistryTransfer {
  constructor(
    private readonly models: RegistryModels,
    private readonly interfaces: InterfaceService,
    private readonly contracts: ContractService,
  ) {}

  async exportAll(): Promise<RegistryDocument & { systems: NewSystem[] }> {
    const { systems, interfaces } = await this.interfaces.exportRegistry();
    const keys = new Map((await this.models.Interface.findAll({ attributes: ['id', 'key'] })).map((row) => [row.id, row.key]));
    const byKey = new Map<string, NewContract[]>();
    for (const contract of await this.models.Contract.findAll({ order: [['interfaceId', 'ASC'], ['version', 'ASC']] })) {
      const key = keys.get(contract.interfaceId)!;
      byKey.set(key, [...(byKey.get(key) ?? []), { format: contract.format as NewContract['format'], document: JSON.parse(contract.document) as unknown, ...(contract.note ? { note: contract.note } : {}) }]);
    }
    return { format: REGISTRY_FORMAT, systems, interfaces: interfaces.map((item) => ({ ...item, contracts: byKey.get(item.key) ?? [] })) };
  }

  async importAll(ctx: RequestContext, data: RegistryDocument): Promise<{ systemsCreated: number; interfacesCreated: number; contractsCreated: number }> {
    const problems: ErrorDetail[] = [];
    const prepared = new Map<string, PreparedContract[]>();
    for (const [index, item] of data.interfaces.entries()) {
      for (const [position, contract] of (item.contracts ?? []).entries()) {
        try {
          prepared.set(item.key, [...(prepared.get(item.key) ?? []), await this.contracts.prepare(contract)]);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          problems.push({ field: `body.interfaces.${index}.contracts.${position}`, rule: error.code, message: error.message });
        }
      }
    }
    const interfaces = data.interfaces.map(({ contracts: _contracts, ...item }) => item);
    let contractsCreated = 0;
    const result = await this.interfaces.importRegistry(ctx, { systems: data.systems, interfaces }, {
      problems,
      afterInsert: async (tx: Transaction, created: Array<{ id: number; key: string }>) => {
        for (const iface of created) {
          for (const contract of prepared.get(iface.key) ?? []) {
            await this.contracts.insert(tx, ctx, iface, contract);
            contractsCreated += 1;
          }
        }
      },
    });
    return { ...result, contractsCreated };
  }
}
