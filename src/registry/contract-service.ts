// Versioned interface contracts. Each version is stored once, immutable, with the SHA-256 of its
// canonical JSON — the same digest whatever the key order or the YAML/JSON spelling — its targets
// and the warnings it was accepted with. Validators are compiled once per version and cached.
import type { Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import { canonicalJson, sha256Hex } from '../platform/canonical-json.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError, PayloadTooLargeError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import { compileContract, readContract, type CompiledContract, type ContractFormat, type ReadContract, type TargetLocation } from './contract-document.js';
import { describeDiff, diffContracts, type ContractDiff } from './contract-diff.js';
import type { InterfaceService } from './interface-service.js';
import type { Contract, Interface, RegistryModels } from './registry-models.js';

export interface NewContract {
  format: ContractFormat;
  /** The document as JSON, or as a string of JSON or YAML. */
  document: unknown;
  note?: string;
}

export interface PreparedContract {
  read: ReadContract;
  compiled: CompiledContract;
  digest: string;
  /** The canonical JSON the digest covers. */
  document: string;
  note: string | null;
}

const CACHE_SIZE = 200;

export class ContractService {
  /** Compiled validators by contract id (the digest alone does not say how the document was read). */
  private readonly compiled = new Map<number, CompiledContract>();

  constructor(
    private readonly database: Database,
    private readonly models: RegistryModels,
    private readonly interfaces: InterfaceService,
    private readonly audit: AuditTrail,
    private readonly maxBytes: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async register(ctx: RequestContext, interfaceKey: string, input: NewContract): Promise<Contract> {
    await this.interfaces.get(interfaceKey);
    // Parse and compile before taking the write lock: a large document must not stall other writes.
    const prepared = await this.prepare(input);
    return this.database.write(async (tx) => {
      const iface = await this.interfaces.locked(tx, interfaceKey);
      if (iface.status === 'retired') throw new ConflictError(`Interface ${interfaceKey} is retired: it takes no new contracts.`, 'interface_retired');
      return this.insert(tx, ctx, iface, prepared);
    });
  }

  /** Reads, checks and compiles a document; throws the 4xx that says why it cannot be used. */
  async prepare(input: NewContract): Promise<PreparedContract> {
    const tooLarge = () => new PayloadTooLargeError(`The contract is larger than ${this.maxBytes} bytes (GXPW_CONTRACT_MAX_BYTES).`);
    if (typeof input.document === 'string' && Buffer.byteLength(input.document) > this.maxBytes) throw tooLarge();
    const read = await readContract(input.format, input.document);
    // What is stored: also bounds documents sent as JSON objects (e.g. inside a registry import).
    const document = canonicalJson(read.document);
    if (Buffer.byteLength(document) > this.maxBytes) throw tooLarge();
    const compiled = compileContract(read);
    return { read, compiled, digest: sha256Hex(document), document, note: input.note?.trim() || null };
  }

  /** Stores a prepared document as the interface's next version, in the caller's transaction. */
  async insert(tx: Transaction, ctx: RequestContext, iface: Pick<Interface, 'id' | 'key'>, { read, compiled, digest, document, note }: PreparedContract): Promise<Contract> {
    const latest = await this.latest(iface.id, tx);
    if (latest?.digest === digest && latest.format === read.format) throw new ConflictError(`This document is identical to version ${latest.version} (digest ${digest}).`, 'contract_unchanged');
    const warnings = [...read.warnings, ...compiled.warnings];
    const contract = await this.models.Contract.create(
      {
        interfaceId: iface.id,
        version: (latest?.version ?? 0) + 1,
        format: read.format,
        specVersion: read.specVersion,
        digest,
        document,
        targets: JSON.stringify(read.targets),
        warnings: JSON.stringify(warnings),
        note,
        createdAt: this.now().toISOString(),
        createdBy: ctx.actor.userId,
        createdByName: ctx.actor.name,
      },
      { transaction: tx },
    );
    await this.interfaces.setCurrentContract(tx, iface.id, contract.version);
    await this.audit.record(tx, ctx, {
      action: 'contract.registered',
      entityType: 'interface',
      entityId: iface.key,
      change: 'create',
      after: { version: contract.version, format: read.format, specVersion: read.specVersion, digest, targets: read.targets.map((t) => t.name), warnings: warnings.length, note },
      states: [{ type: 'contract', id: contract.id }],
    });
    this.compiled.set(contract.id, compiled);
    return contract;
  }

  async list(interfaceKey: string): Promise<Contract[]> {
    const iface = await this.interfaces.get(interfaceKey);
    return this.models.Contract.findAll({ where: { interfaceId: iface.id }, order: [['version', 'DESC']] });
  }

  async get(interfaceKey: string, version: number): Promise<Contract> {
    const iface = await this.interfaces.get(interfaceKey);
    const contract = await this.models.Contract.findOne({ where: { interfaceId: iface.id, version } });
    if (!contract) throw new NotFoundError(`Interface ${interfaceKey} has no contract version ${version}.`, 'contract_not_found');
    return contract;
  }

  /** Every change from one version to another, classified as breaking or not for consumers and providers. */
  async diff(interfaceKey: string, from: number, to: number): Promise<ContractDiff & { from: number; to: number; text: string }> {
    const [before, after] = [await this.get(interfaceKey, from), await this.get(interfaceKey, to)];
    const diff = diffContracts(this.compiledOf(before), this.compiledOf(after));
    return { from, to, ...diff, text: describeDiff(diff, { before: `${interfaceKey} v${from}`, after: `${interfaceKey} v${to}` }) };
  }

  /** The compiled validators of a stored version (the runner validates exchanges with them). */
  compiledOf(contract: Contract): CompiledContract {
    let compiled = this.compiled.get(contract.id);
    if (!compiled) {
      compiled = compileContract({ format: contract.format as ContractFormat, specVersion: contract.specVersion, document: JSON.parse(contract.document), targets: JSON.parse(contract.targets) as TargetLocation[] });
      if (this.compiled.size >= CACHE_SIZE) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(contract.id, compiled);
    }
    return compiled;
  }

  private async latest(interfaceId: number, tx: Transaction): Promise<Contract | null> {
    return this.models.Contract.findOne({ where: { interfaceId }, order: [['version', 'DESC']], transaction: tx });
  }
}
