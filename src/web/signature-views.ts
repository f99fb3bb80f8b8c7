// Signatures as every page shows them (Part 11 §11.50): the printed name, the date and time (the
// template's `time` helper names the zone), the meaning, the reason, and whether the signature is
// still valid — checked now by the signature service, so a record changed after signing reads
// INVALID in words. Used by the package review screen and any page that lists a record's
// signatures (`{{> signatures/manifestation signatures=…}}`).
import type { Signature } from '../signatures/signature-model.js';
import type { RequirementStatus, SignatureService } from '../signatures/signature-service.js';
import { ROLE_TITLES, isRole } from '../auth/roles.js';

export interface SignatureView {
  id: number;
  printedName: string;
  username: string;
  roleTitle: string;
  meaning: string;
  reason: string;
  signedAt: string;
  recordVersion: number;
  recordDigest: string;
  authenticationMethod: string;
  valid: boolean;
  validityText: string;
  signerAccessText: string;
  /** e.g. "submission 2" for a package; null when the page does not need it. */
  versionLabel: string | null;
}

/**
 * Each signature verified now (seal and record digest) with the approval of its signer's access.
 * `versionLabel` words the record version for the page (a package's version is a submission).
 */
export async function presentSignatureList(signatures: SignatureService, rows: Signature[], versionLabel?: (version: number) => string): Promise<SignatureView[]> {
  return Promise.all(
    rows.map(async (signature) => {
      const { valid, problem, signerAccess } = await signatures.verifyWithAccess(signature);
      return {
        id: signature.id,
        printedName: signature.signerName,
        username: signature.signerUsername,
        roleTitle: isRole(signature.signerRole) ? ROLE_TITLES[signature.signerRole] : signature.signerRole,
        meaning: signature.meaning,
        reason: signature.reason,
        signedAt: signature.signedAt,
        recordVersion: signature.recordVersion,
        recordDigest: signature.recordDigest,
        authenticationMethod: signature.authMethod === 'username+password' ? 'user name and password' : 'password (signing session continued)',
        valid,
        validityText: valid ? 'Valid — the record is unchanged since it was signed' : `INVALID — ${invalidReason(problem)}`,
        signerAccessText: signerAccess
          ? `Signing access granted by ${signerAccess.grantedBy.printedName} (access grant ${signerAccess.grantId})`
          : 'No approved signing access on record for this signer at that time',
        versionLabel: versionLabel ? versionLabel(signature.recordVersion) : null,
      };
    }),
  );
}

/** The service's problem ("invalid — record changed after signing") without its repeated prefix. */
function invalidReason(problem: string | null): string {
  const text = (problem ?? 'the signature does not verify').replace(/^invalid\s*[—-]\s*/i, '');
  return text === 'record changed after signing' ? 'the record changed after signing' : text;
}

export interface RequirementView {
  meaning: string;
  rolesText: string;
  source: string;
  given: boolean;
  signedBy: string | null;
  signatureId: number | null;
}

/** Signatures required vs given, in words. */
export function presentRequirements(requirements: RequirementStatus[]): RequirementView[] {
  return requirements.map((r) => ({
    meaning: r.meaning,
    rolesText: r.roles.map((role) => ROLE_TITLES[role] ?? role).join(' or '),
    source: r.source,
    given: r.signatureId !== null,
    signedBy: r.signedBy,
    signatureId: r.signatureId,
  }));
}

/** Meanings the viewer's role may still give on this record version: required, not yet given. */
export function meaningsOpenTo(role: string | null, requirements: RequirementStatus[]): string[] {
  const open = requirements.filter((r) => r.signatureId === null && isRole(role) && r.roles.includes(role)).map((r) => r.meaning);
  return [...new Set(open)];
}
