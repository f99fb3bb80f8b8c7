// Platforms as registry records (migration 0015): the products interfaces run on — an integration
// runtime, an event mesh, a vendor's serialization cloud — with the version in service in each
// environment, so "which interfaces does this release touch" is a query over the platform index
// (Annex 11 §10: changes assessed against what they reach), not a guess over free text.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';

export const PLATFORM_KINDS = ['integration-platform', 'event-mesh', 'data-hub', 'serialization', 'erp', 'wms', 'control-tower', 'database', 'other'] as const;
/** A platform is retired (with a reason), never deleted: interfaces and changes keep naming it. */
export const PLATFORM_STATUSES = ['active', 'retired'] as const;

export type PlatformKind = (typeof PLATFORM_KINDS)[number];
export type PlatformStatus = (typeof PLATFORM_STATUSES)[number];

/** A stable slug: lower-case letters and digits in dash-separated groups (`mulesoft-runtime`). */
export const PLATFORM_KEY_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
/** The environment names interfaces use (test, validation, production …). */
export const ENVIRONMENT_NAME_PATTERN = '^[a-z][a-z0-9-]{0,31}$';
export const PLATFORM_KEY_MAX = 64;

/**
 * Platforms, with their versions per environment as rows that belong to them, as `gxpw verify`
 * reconciles them (record-states.ts). The interfaces on a platform are not part of its state: they
 * are the interfaces' own platform index rows (the `interface` record's parts).
 */
export const PLATFORM_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'platform',
    table: 'platforms',
    idColumn: 'key',
    idKind: 'text',
    columns: { id: 'integer', name: 'text', vendor: 'text', kind: 'text', status: 'text', retired_reason: 'text', system_ids: 'text', created_at: 'time' },
    parts: { table: 'platform_versions', parentColumn: 'platform_id', parentKey: 'id', orderBy: ['environment'], columns: { environment: 'text', version: 'text' } },
  },
];

export class Platform extends Model<InferAttributes<Platform>, InferCreationAttributes<Platform>> {
  declare id: CreationOptional<number>;
  /** Stable slug, never changed or reused (change records and URLs name it). */
  declare key: string;
  /** The product as interfaces name it before their version, e.g. "MuleSoft Runtime". */
  declare name: string;
  declare vendor: string | null;
  declare kind: PlatformKind;
  declare status: PlatformStatus;
  declare retiredReason: string | null;
  /** JSON array of the ids of the systems that run on it, ascending. */
  declare systemIds: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class PlatformVersion extends Model<InferAttributes<PlatformVersion>, InferCreationAttributes<PlatformVersion>> {
  declare platformId: number;
  declare environment: string;
  declare version: string;
}

export interface PlatformModels {
  Platform: ModelStatic<Platform>;
  PlatformVersion: ModelStatic<PlatformVersion>;
}

export function definePlatformModels(sequelize: Sequelize): PlatformModels {
  const { INTEGER, STRING, TEXT, DATE } = DataTypes;
  class BoundPlatform extends Platform {}
  BoundPlatform.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(PLATFORM_KEY_MAX), allowNull: false, unique: true },
      name: { type: STRING(120), allowNull: false },
      vendor: { type: STRING(120), allowNull: true },
      kind: { type: STRING(32), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      retiredReason: { type: TEXT, allowNull: true },
      systemIds: { type: TEXT, allowNull: false },
      createdAt: { type: DATE },
      updatedAt: { type: DATE },
    },
    { sequelize, underscored: true, tableName: 'platforms' },
  );
  class BoundPlatformVersion extends PlatformVersion {}
  BoundPlatformVersion.init(
    {
      platformId: { type: INTEGER, allowNull: false, primaryKey: true },
      environment: { type: STRING(32), allowNull: false, primaryKey: true },
      version: { type: STRING(64), allowNull: false },
    },
    { sequelize, underscored: true, tableName: 'platform_versions', timestamps: false },
  );
  return { Platform: BoundPlatform, PlatformVersion: BoundPlatformVersion };
}

/** A platform text as an interface names it, split into the product and the version it runs. */
export interface PlatformReference {
  product: string;
  version: string | null;
}

// A version token: digits first ("4.6", "2023", "19c", "v4.9", "24.08") or a vendor's qualifier
// with a number ("FPS02", "SP3", "CU12"). Both linear (no nested quantifiers).
const VERSION_TOKEN = /^v?\d[\w.+-]*$/i;
const QUALIFIER_TOKEN = /^(fps|sps|sp|fp|cu|pl|hf|ru|u|r)\d[\w.]*$/i;

/**
 * Splits "MuleSoft Runtime 4.6" into product "MuleSoft Runtime" and version "4.6". A text that
 * begins with the name of a known platform (longest first, any case) is that platform, spelt as
 * the platform is, whatever its name holds ("Dynamics 365 10.0.38" → "Dynamics 365", "10.0.38"); otherwise the version is the
 * run of version-like words at the end ("SAP S/4HANA 2023 FPS02" → "SAP S/4HANA", "2023 FPS02").
 * A text with no version (or only one word) is all product.
 */
export function splitPlatformText(text: string, knownNames: readonly string[] = []): PlatformReference {
  const words = text.trim().split(/\s+/);
  const normalized = words.join(' ');
  const folded = normalized.toLowerCase();
  let best: string | null = null;
  for (const name of knownNames) {
    const known = name.trim().split(/\s+/).join(' ');
    const lower = known.toLowerCase();
    if ((folded === lower || folded.startsWith(`${lower} `)) && (best === null || known.length > best.length)) best = known;
  }
  if (best !== null) {
    const version = normalized.slice(best.length).trim();
    return { product: best, version: version || null };
  }
  let cut = words.length;
  while (cut > 1 && (VERSION_TOKEN.test(words[cut - 1]!) || QUALIFIER_TOKEN.test(words[cut - 1]!))) cut -= 1;
  return { product: words.slice(0, cut).join(' '), version: cut < words.length ? words.slice(cut).join(' ') : null };
}

/** The key a new platform named `name` gets: "SAP S/4HANA" → "sap-s-4hana". */
export function platformKeyOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, PLATFORM_KEY_MAX - 4)
    .replace(/-+$/, '');
  return slug || 'platform';
}
