// The manifestation of a signature (Part 11 §11.50): printed name, date and time with time zone,
// and meaning — plus whether it is still valid. Every human-readable form (JSON now, pages and
// PDFs later) uses this one presenter, so none of them can leave a part out.
import type { Signature } from './signature-model.js';
import type { SignatureValidity } from './signature-service.js';

export function presentSignature(signature: Signature, validity: SignatureValidity) {
  const signedAt = new Date(signature.signedAt);
  const when = `${signedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return {
    id: signature.id,
    record: { type: signature.recordType, id: signature.recordId, version: signature.recordVersion, digest: signature.recordDigest },
    meaning: signature.meaning,
    reason: signature.reason,
    signer: { id: signature.signerId, username: signature.signerUsername, printedName: signature.signerName, role: signature.signerRole },
    signedAt: signature.signedAt,
    timeZone: 'UTC',
    authenticationMethod: signature.authMethod,
    valid: validity.valid,
    problem: validity.problem,
    manifestation: `${signature.signerName} — ${signature.meaning} — ${when}${validity.valid ? '' : ` — ${validity.problem}`}`,
    serverSignature: { algorithm: 'Ed25519', keyId: signature.keyId, value: signature.serverSignature },
  };
}
