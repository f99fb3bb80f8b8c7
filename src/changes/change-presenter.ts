// Change records as the API shows them: the current content, its version history and, for the
// current version, the signatures it needs and who gave them (Part 11 §11.50).
import type { SignOffStatus } from '../signatures/signature-service.js';
import { contentOf, type ChangeRecord, type ChangeVersion } from './change-model.js';

export function presentChange(row: ChangeRecord, extra: { versions?: ChangeVersion[]; signOff?: SignOffStatus | null; implementationBlockers?: string[] } = {}) {
  const content = contentOf(row);
  return {
    id: row.id,
    ...content,
    version: row.currentVersion,
    requestedBy: { id: row.requestedBy, name: extra.versions?.[0]?.changedByName ?? null },
    requestedAt: row.requestedAt,
    ...(extra.signOff !== undefined
      ? { signOff: extra.signOff && { complete: extra.signOff.complete, requirements: extra.signOff.requirements.map((r) => ({ meaning: r.meaning, roles: r.roles, source: r.source, signatureId: r.signatureId, signedBy: r.signedBy })) } }
      : {}),
    ...(extra.implementationBlockers ? { mayImplement: extra.implementationBlockers.length === 0, implementationBlockers: extra.implementationBlockers } : {}),
    ...(extra.versions ? { history: extra.versions.map((v) => ({ version: v.version, state: (JSON.parse(v.content) as { state: string }).state, changedAt: v.changedAt, changedBy: { id: v.changedBy, name: v.changedByName }, reason: v.reason })) } : {}),
  };
}

export function presentChangeSummary(row: ChangeRecord) {
  const content = contentOf(row);
  return { id: row.id, key: row.key, type: row.type, title: content.title, state: row.state, platform: content.platform, system: content.system, interface: content.interface, versionFrom: content.versionFrom, versionTo: content.versionTo, plannedDate: row.plannedDate, version: row.currentVersion };
}
