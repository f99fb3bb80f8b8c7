// Rows of the interface registry. JSON-valued columns are TEXT holding JSON, read through the
// presenters, so SQLite and PostgreSQL store the very same bytes.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';

export const SYSTEM_KINDS = ['erp', 'wms', 'serialization', 'mes', 'qms', 'lims', 'integration-platform', 'event-broker', 'data-hub', 'control-tower', 'trading-partner'] as const;
export const LAYERS = ['source-system', 'integration-platform', 'event-streaming', 'data-hub-master-data', 'visibility-control-tower'] as const;
export const PATTERNS = ['rest-api', 'event-stream', 'batch-file', 'idoc', 'sftp-file-drop', 'edi'] as const;
export const DIRECTIONS = ['unidirectional', 'bidirectional'] as const;
export const DATA_DOMAINS = ['product-master', 'location-master', 'partner-master', 'customer-master', 'orders', 'shipments', 'inventory', 'serialization-events', 'telemetry'] as const;
export const GAMP_CATEGORIES = [1, 3, 4, 5] as const;
export const SYSTEM_STATUSES = ['active', 'retired'] as const;
/** draft → active → retired; retiring needs a reason. */
export const INTERFACE_STATUSES = ['draft', 'active', 'retired'] as const;

export type SystemKind = (typeof SYSTEM_KINDS)[number];
export type Layer = (typeof LAYERS)[number];
export type InterfaceStatus = (typeof INTERFACE_STATUSES)[number];

/** Systems, interfaces (with their platform index) and contracts, as `gxpw verify` reconciles them (record-states.ts). */
export const REGISTRY_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'system',
    table: 'systems',
    idColumn: 'id',
    idKind: 'integer',
    columns: { name: 'text', kind: 'text', vendor: 'text', product: 'text', version: 'text', gamp_category: 'integer', layer: 'text', owner: 'text', status: 'text', created_at: 'time' },
  },
  {
    type: 'interface',
    table: 'interfaces',
    idColumn: 'key',
    idKind: 'text',
    columns: {
      id: 'integer', name: 'text', source_system_id: 'integer', target_system_id: 'integer', layer: 'text', pattern: 'text', direction: 'text', message_types: 'text',
      data_domains: 'text', platforms: 'text', gxp_relevant: 'boolean', intended_use: 'text', owner: 'text', environments: 'text', status: 'text', retired_reason: 'text',
      revision: 'integer', current_contract_version: 'integer', current_assessment_id: 'integer', risk_level: 'text', review_due: 'text', created_at: 'time',
    },
    // The platform index answers "which interfaces run on this platform" for change control: each
    // row is the text the interface names and the platform record it refers to (migration 0015).
    parts: { table: 'interface_platforms', parentColumn: 'interface_id', parentKey: 'id', orderBy: ['platform'], columns: { platform: 'text', platform_id: 'integer' } },
  },
  {
    type: 'contract',
    table: 'contracts',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      interface_id: 'integer', version: 'integer', format: 'text', spec_version: 'text', digest: 'text', document: 'text', targets: 'text', warnings: 'text', note: 'text',
      created_at: 'text', created_by: 'integer', created_by_name: 'text',
    },
  },
];

export class System extends Model<InferAttributes<System>, InferCreationAttributes<System>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare kind: SystemKind;
  declare vendor: string;
  declare product: string;
  declare version: string;
  declare gampCategory: number;
  declare layer: Layer;
  declare owner: string;
  declare status: (typeof SYSTEM_STATUSES)[number];
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class Interface extends Model<InferAttributes<Interface>, InferCreationAttributes<Interface>> {
  declare id: CreationOptional<number>;
  declare key: string;
  declare name: string;
  declare sourceSystemId: number;
  declare targetSystemId: number;
  declare layer: Layer;
  declare pattern: string;
  declare direction: string;
  declare messageTypes: string;
  declare dataDomains: string;
  declare platforms: string;
  declare gxpRelevant: boolean;
  declare intendedUse: string;
  declare owner: string;
  declare environments: string;
  declare status: InterfaceStatus;
  declare retiredReason: string | null;
  declare revision: number;
  declare currentContractVersion: CreationOptional<number | null>;
  declare currentAssessmentId: CreationOptional<number | null>;
  declare riskLevel: CreationOptional<string | null>;
  declare reviewDue: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class InterfacePlatform extends Model<InferAttributes<InterfacePlatform>, InferCreationAttributes<InterfacePlatform>> {
  declare interfaceId: number;
  declare platform: string;
  /** The platform record the text refers to; null only until the free text is adopted (0015). */
  declare platformId: number | null;
}

export class Contract extends Model<InferAttributes<Contract>, InferCreationAttributes<Contract>> {
  declare id: CreationOptional<number>;
  declare interfaceId: number;
  declare version: number;
  declare format: string;
  declare specVersion: string;
  declare digest: string;
  /** The document as RFC 8785 canonical JSON: exactly what the digest covers. */
  declare document: string;
  declare targets: string;
  declare warnings: string;
  declare note: string | null;
  declare createdAt: string;
  declare createdBy: number | null;
  declare createdByName: string;
}

export interface RegistryModels {
  System: ModelStatic<System>;
  Interface: ModelStatic<Interface>;
  InterfacePlatform: ModelStatic<InterfacePlatform>;
  Contract: ModelStatic<Contract>;
}

export function defineRegistryModels(sequelize: Sequelize): RegistryModels {
  const { INTEGER, STRING, TEXT, BOOLEAN, DATE } = DataTypes;
  const options = { sequelize, underscored: true };
  class BoundSystem extends System {}
  BoundSystem.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: STRING(120), allowNull: false, unique: true },
      kind: { type: STRING(32), allowNull: false },
      vendor: { type: STRING(120), allowNull: false },
      product: { type: STRING(120), allowNull: false },
      version: { type: STRING(64), allowNull: false },
      gampCategory: { type: INTEGER, allowNull: false },
      layer: { type: STRING(32), allowNull: false },
      owner: { type: STRING(120), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      createdAt: { type: DATE },
      updatedAt: { type: DATE },
    },
    { ...options, tableName: 'systems' },
  );
  class BoundInterface extends Interface {}
  BoundInterface.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(64), allowNull: false, unique: true },
      name: { type: STRING(200), allowNull: false },
      sourceSystemId: { type: INTEGER, allowNull: false },
      targetSystemId: { type: INTEGER, allowNull: false },
      layer: { type: STRING(32), allowNull: false },
      pattern: { type: STRING(32), allowNull: false },
      direction: { type: STRING(16), allowNull: false },
      messageTypes: { type: TEXT, allowNull: false },
      dataDomains: { type: TEXT, allowNull: false },
      platforms: { type: TEXT, allowNull: false },
      gxpRelevant: { type: BOOLEAN, allowNull: false },
      intendedUse: { type: TEXT, allowNull: false },
      owner: { type: STRING(120), allowNull: false },
      environments: { type: TEXT, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      retiredReason: { type: TEXT, allowNull: true },
      revision: { type: INTEGER, allowNull: false },
      currentContractVersion: { type: INTEGER, allowNull: true },
      currentAssessmentId: { type: INTEGER, allowNull: true },
      riskLevel: { type: STRING(32), allowNull: true },
      reviewDue: { type: STRING(24), allowNull: true },
      createdAt: { type: DATE },
      updatedAt: { type: DATE },
    },
    { ...options, tableName: 'interfaces' },
  );
  class BoundInterfacePlatform extends InterfacePlatform {}
  BoundInterfacePlatform.init(
    {
      interfaceId: { type: INTEGER, allowNull: false, primaryKey: true },
      platform: { type: STRING(120), allowNull: false, primaryKey: true },
      platformId: { type: INTEGER, allowNull: true },
    },
    { ...options, tableName: 'interface_platforms', timestamps: false },
  );
  class BoundContract extends Contract {}
  BoundContract.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interfaceId: { type: INTEGER, allowNull: false },
      version: { type: INTEGER, allowNull: false },
      format: { type: STRING(16), allowNull: false },
      specVersion: { type: STRING(32), allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      document: { type: TEXT, allowNull: false },
      targets: { type: TEXT, allowNull: false },
      warnings: { type: TEXT, allowNull: false },
      note: { type: TEXT, allowNull: true },
      createdAt: { type: STRING(24), allowNull: false },
      createdBy: { type: INTEGER, allowNull: true },
      createdByName: { type: STRING(200), allowNull: false },
    },
    { ...options, tableName: 'contracts', timestamps: false },
  );
  return { System: BoundSystem, Interface: BoundInterface, InterfacePlatform: BoundInterfacePlatform, Contract: BoundContract };
}
