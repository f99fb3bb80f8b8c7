// The outside view of requirement records, built field by field.
import type { Requirement } from './requirement-model.js';

/** One requirement version; `scenarios` (keys of the current scenarios naming it) when known. */
export function presentRequirement(row: Requirement, interfaceKey: string, scenarios?: string[]) {
  return {
    interface: interfaceKey,
    key: row.key,
    version: row.version,
    type: row.type,
    text: row.text,
    risk: row.risk,
    status: row.status,
    digest: row.digest,
    reason: row.reason,
    createdAt: row.createdAt,
    createdBy: { id: row.createdBy, name: row.createdByName },
    ...(scenarios ? { scenarios } : {}),
  };
}

/** The current version, the scenarios naming it, and every version (newest first) in brief. */
export function presentRequirementHistory(history: { current: Requirement; versions: Requirement[]; scenarios: string[] }, interfaceKey: string) {
  return {
    ...presentRequirement(history.current, interfaceKey, history.scenarios),
    versions: history.versions.map((row) => ({
      version: row.version,
      status: row.status,
      digest: row.digest,
      reason: row.reason,
      createdAt: row.createdAt,
      createdBy: { id: row.createdBy, name: row.createdByName },
    })),
  };
}
