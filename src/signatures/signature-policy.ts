// The electronic signature policy each signer acknowledges before their first signature
// (Part 11 §11.100(c), §11.10(j)): electronic signatures are the legally binding equivalent of
// handwritten ones, and signers are accountable for actions taken under them.
import { digestOf } from '../platform/canonical-json.js';

export const SIGNATURE_POLICY = {
  version: '1',
  title: 'Electronic signature policy',
  statements: [
    'My electronic signature in this system is the legally binding equivalent of my handwritten signature (21 CFR 11.100(c)).',
    'I will sign only records I have reviewed, and only with the meaning that describes what I did.',
    'I will not share my password or let anyone sign in my name; I am accountable for actions taken under my signature (21 CFR 11.10(j)).',
    'I will report at once any suspected loss or compromise of my password.',
  ],
} as const;

/** Identifies exactly which text was acknowledged, for the audit event. */
export const SIGNATURE_POLICY_DIGEST = digestOf(SIGNATURE_POLICY);
