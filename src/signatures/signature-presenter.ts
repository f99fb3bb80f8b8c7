// The manifestation of a signature (Part 11 §11.50): printed name, date and time with time zone,
// and meaning — plus whether it is still valid. Every human-readable form (JSON now, pages and
// PDFs later) uses this one presenter, so none of them can leave a part out.
import type { Signature } from './signature-model.js';
import type { SigningAccess } from '../auth/access-grant-service.js';
import type { SignatureValidity } from './signature-service.js';

/**
 * `signerAccess`: the approved grant that gave the signer their signing right as of the signature
 * — when, and by whom (printed name) — so a reader sees that a second person stood behind it.
 */
export function presentSignature(signature: Signature, validity: SignatureValidity, signerAccess: SigningAccess | null) {
  const signedAt = new Date(signature.signedAt);
  const when = formatUtc(signedAt.toISOString());
  return {
    id: signature.id,
    record: { type: signature.recordType, id: signature.recordId, version: signature.recordVersion, digest: signature.recordDigest },
    meaning: signature.meaning,
    reason: signature.reason,
    signer: { id: signature.signerId, username: signature.signerUsername, printedName: signature.signerName, role: signature.signerRole },
    signerAccess,
    signedAt: signature.signedAt,
    timeZone: 'UTC',
    authenticationMethod: signature.authMethod,
    valid: validity.valid,
    problem: validity.problem,
    manifestation: `${signature.signerName} — ${signature.meaning} — ${when}${validity.valid ? '' : ` — ${validity.problem}`}`,
    signerAccessManifestation: signerAccess
      ? `signing access granted ${formatUtc(signerAccess.grantedAt)} by ${signerAccess.grantedBy.printedName} (access grant ${signerAccess.grantId})`
      : 'no approved signing access on record for this signer at that time',
    serverSignature: { algorithm: 'Ed25519', keyId: signature.keyId, value: signature.serverSignature },
  };
}

function formatUtc(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** A signature as every PDF prints its manifestation block (§11.50), verified now. */
export interface DocumentSignature {
  id: number;
  signerName: string;
  signerRole: string;
  meaning: string;
  signedAt: string;
  reason: string;
  recordVersion: number;
  valid: boolean;
  problem: string | null;
  /** Who granted the signer's signing right and when, as a sentence; null when unknown. */
  signerAccess: string | null;
}

export function documentSignatureOf(signature: Signature, verification: SignatureValidity & { signerAccess: SigningAccess | null }): DocumentSignature {
  const access = verification.signerAccess;
  return {
    id: signature.id,
    signerName: signature.signerName,
    signerRole: signature.signerRole,
    meaning: signature.meaning,
    signedAt: signature.signedAt,
    reason: signature.reason,
    recordVersion: signature.recordVersion,
    valid: verification.valid,
    problem: verification.problem,
    signerAccess: access ? `signing access granted ${access.grantedAt.slice(0, 10)} by ${access.grantedBy.printedName} (grant ${access.grantId})` : null,
  };
}
