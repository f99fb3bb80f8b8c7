// The signable record type `user-access`: an access grant (a request for signing rights), approved
// by a second person's electronic signature (Part 11 §11.10(g), §11.100(a), §11.300; Annex 11 §12).
// Only QA approves; the requester and the user who would receive the rights are its "authors", so
// separation of duties refuses them (administrators and auditors never sign). The signature binds
// the request as it was made; approving applies the grant in the same transaction.
import type { AccessGrantService } from '../auth/access-grant-service.js';
import { numericRecordId, type SignableRecordType } from './signature-service.js';

export function userAccessRecordType(grants: AccessGrantService): SignableRecordType {
  const load = async (recordId: string, tx?: Parameters<AccessGrantService['find']>[1]) => {
    const id = numericRecordId(recordId);
    return id === null ? null : grants.find(id, tx);
  };
  return {
    type: 'user-access',
    meanings: { approved: ['qa'] },
    required: ['approved'],
    // A grant is one version: the request itself never changes, only its decision.
    currentVersion: async (recordId, tx) => ((await load(recordId, tx)) ? 1 : null),
    loadVersion: async (recordId, version, tx) => {
      const grant = version === 1 ? await load(recordId, tx) : null;
      if (!grant) return null;
      const authorIds = [grant.userId, ...(grant.requestedBy === null ? [] : [grant.requestedBy])];
      return { content: JSON.parse(grant.content) as unknown, authorIds };
    },
    onSigned: async (tx, ctx, signature) => {
      if (signature.meaning !== 'approved') return;
      await grants.approveBySignature(tx, ctx, Number(signature.recordId), signature);
    },
  };
}
