// Rotating the server's signing key is a security-relevant change: it is recorded in the audit
// trail (Annex 11 §12), and the old key stays in the keyring so what it signed still verifies.
import type { Database } from '../platform/database.js';
import type { Keyring, PublicKeyInfo } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AuditTrail } from './audit-trail.js';

export async function rotateSigningKey(database: Database, audit: AuditTrail, keyring: Keyring, ctx: RequestContext, reason: string): Promise<PublicKeyInfo> {
  return database.write(async (tx) => {
    // The previous key as the keys directory has it, also when another process rotated since.
    const { key, previousKeyId: previous } = keyring.rotateFrom();
    await audit.record(tx, ctx, {
      action: 'signing_key.rotated',
      entityType: 'signing-key',
      entityId: key.keyId,
      change: 'status',
      before: { activeKeyId: previous },
      after: { activeKeyId: key.keyId, algorithm: key.algorithm, createdAt: key.createdAt },
      reason,
    });
    return key;
  });
}
