// The outside view of platforms, built field by field — and what the audit trail stores as before/after.
import type { Platform, PlatformKind, PlatformStatus } from './platform-model.js';

/** A platform as the service returns it (other features read this shape). */
export interface PlatformRecord {
  id: number;
  key: string;
  name: string;
  vendor: string | null;
  kind: PlatformKind;
  status: PlatformStatus;
  retiredReason: string | null;
  /** Environment → version in service there. */
  versions: Record<string, string>;
  /** The systems that run on it (name null: a system id no system has any more). */
  systems: Array<{ id: number; name: string | null }>;
  /** Interfaces naming the platform, by their status. */
  interfaceCounts: { active: number; draft: number; retired: number };
}

/** What an audit event records of a platform: the record and its versions, not derived counts. */
export function auditViewOfPlatform(platform: Platform, versions: Array<{ environment: string; version: string }>) {
  return {
    key: platform.key,
    name: platform.name,
    vendor: platform.vendor,
    kind: platform.kind,
    status: platform.status,
    retiredReason: platform.retiredReason,
    versions: Object.fromEntries([...versions].sort((a, b) => (a.environment < b.environment ? -1 : 1)).map((v) => [v.environment, v.version])),
    systemIds: JSON.parse(platform.systemIds) as number[],
  };
}

export function presentPlatform(record: PlatformRecord) {
  return {
    key: record.key,
    name: record.name,
    vendor: record.vendor,
    kind: record.kind,
    status: record.status,
    retiredReason: record.retiredReason,
    versions: { ...record.versions },
    systems: record.systems.map((system) => ({ id: system.id, name: system.name })),
    interfaceCounts: { ...record.interfaceCounts },
  };
}

/** One platform's page: the record, and every interface naming it with the text it uses. */
export function presentPlatformDetail(record: PlatformRecord, interfaces: Array<{ key: string; name: string; status: string; riskLevel: string | null; platform: string }>) {
  return {
    ...presentPlatform(record),
    interfaces: interfaces.map((i) => ({ key: i.key, name: i.name, status: i.status, riskLevel: i.riskLevel, platform: i.platform })),
  };
}
