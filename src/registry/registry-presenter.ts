// The outside view of systems and interfaces — also what the audit trail stores as before/after.
import type { InferAttributes } from 'sequelize';
import type { Contract, Interface, System } from './registry-models.js';

export function presentSystem(system: System) {
  return {
    id: system.id,
    name: system.name,
    kind: system.kind,
    vendor: system.vendor,
    product: system.product,
    version: system.version,
    gampCategory: system.gampCategory,
    layer: system.layer,
    owner: system.owner,
    status: system.status,
  };
}

export type InterfaceView = ReturnType<typeof presentInterface>;

/**
 * `systemNames` maps system ids to names (a handful of systems: the caller loads them once). The row
 * may be a model instance or a plain row read with `raw: true` (a boolean then may be 0/1).
 */
export function presentInterface(row: InferAttributes<Interface>, systemNames: ReadonlyMap<number, string>) {
  return {
    key: row.key,
    name: row.name,
    sourceSystem: systemNames.get(row.sourceSystemId) ?? null,
    targetSystem: systemNames.get(row.targetSystemId) ?? null,
    layer: row.layer,
    pattern: row.pattern,
    direction: row.direction,
    messageTypes: JSON.parse(row.messageTypes) as string[],
    dataDomains: JSON.parse(row.dataDomains) as string[],
    platforms: JSON.parse(row.platforms) as string[],
    gxpRelevant: Boolean(row.gxpRelevant),
    intendedUse: row.intendedUse,
    owner: row.owner,
    environments: JSON.parse(row.environments) as Record<string, string>,
    status: row.status,
    retiredReason: row.retiredReason,
    revision: row.revision,
    currentContractVersion: row.currentContractVersion ?? null,
    riskLevel: row.riskLevel ?? null,
    currentAssessmentId: row.currentAssessmentId ?? null,
    reviewDue: row.reviewDue ?? null,
  };
}

/** An interface's registry data, without the columns derived from contracts and assessments. */
export type RegisteredInterface = Omit<InterfaceView, 'currentContractVersion' | 'riskLevel' | 'currentAssessmentId' | 'reviewDue' | 'sourceSystem' | 'targetSystem'> & { sourceSystem: string; targetSystem: string };

/** The fields an audit event records for an interface: its registry data, not derived columns. */
export function auditViewOfInterface(row: Interface, systemNames: ReadonlyMap<number, string>): RegisteredInterface {
  const { currentContractVersion: _c, riskLevel: _r, currentAssessmentId: _a, reviewDue: _d, sourceSystem, targetSystem, ...registered } = presentInterface(row, systemNames);
  return { ...registered, sourceSystem: sourceSystem!, targetSystem: targetSystem! };
}

/** A contract version; the document (canonical JSON) only when asked for. */
export function presentContract(contract: Contract, withDocument: boolean) {
  return {
    version: contract.version,
    format: contract.format,
    specVersion: contract.specVersion,
    digest: contract.digest,
    targets: JSON.parse(contract.targets) as unknown[],
    warnings: JSON.parse(contract.warnings) as string[],
    note: contract.note,
    createdAt: contract.createdAt,
    createdBy: { id: contract.createdBy, name: contract.createdByName },
    ...(withDocument ? { document: JSON.parse(contract.document) as unknown } : {}),
  };
}
