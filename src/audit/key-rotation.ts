// Rotating the server's signing key is a security-relevant change: it is recorded in the audit
// trail (Annex 11 §12), and the old key stays in the keyring so what it signed still verifies.
//
// Write, commit, then activate: the new key's files are written first but listed nowhere, the
// audit event commits, and only then does the key index name the new key active. A commit that
// fails removes the files, so no key ever signs without the event that records it. A crash between
// the commit and the activation leaves the old key active and the event naming a key that never
// signed — visible, harmless, and undone by rotating again.
import type { Database } from '../platform/database.js';
import type { Keyring, PublicKeyInfo } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AuditTrail } from './audit-trail.js';

export async function rotateSigningKey(database: Database, audit: AuditTrail, keyring: Keyring, ctx: RequestContext, reason: string): Promise<PublicKeyInfo> {
  // The previous key as the keys directory has it, also when another process rotated since.
  const pending = keyring.prepareKey();
  try {
    await database.write(async (tx) => {
      await audit.record(tx, ctx, {
        action: 'signing_key.rotated',
        entityType: 'signing-key',
        entityId: pending.keyId,
        change: 'status',
        before: { activeKeyId: pending.previousKeyId },
        after: { activeKeyId: pending.keyId, algorithm: 'Ed25519', createdAt: pending.createdAt },
        reason,
      });
    });
  } catch (error) {
    keyring.discardKey(pending);
    throw error;
  }
  return keyring.activateKey(pending);
}
