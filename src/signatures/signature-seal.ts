// What the server's Ed25519 seal of an electronic signature covers (Part 11 §11.70): every field of
// the signature but its row id. Pure — no database, no models — so the offline bundle verifier
// checks a seal with exactly the function the signature service seals with.

export const SIGNATURE_SEAL_TYPE = 'gxpw.signature.v1';

export interface SealedSignatureFields {
  recordType: string;
  recordId: string;
  recordVersion: number;
  recordDigest: string;
  meaning: string;
  reason: string;
  signerId: number;
  signerUsername: string;
  signerName: string;
  signerRole: string;
  signedAt: string;
  authMethod: string;
  sessionId: string;
  keyId: string;
}

/** The sealed fields, in a fresh object (its canonical JSON is what the key signs). */
export function sealedFieldsOf(s: SealedSignatureFields) {
  return {
    type: SIGNATURE_SEAL_TYPE,
    recordType: s.recordType,
    recordId: s.recordId,
    recordVersion: s.recordVersion,
    recordDigest: s.recordDigest,
    meaning: s.meaning,
    reason: s.reason,
    signerId: s.signerId,
    signerUsername: s.signerUsername,
    signerName: s.signerName,
    signerRole: s.signerRole,
    signedAt: s.signedAt,
    authMethod: s.authMethod,
    sessionId: s.sessionId,
    keyId: s.keyId,
  };
}
