// `gxpw verify-bundle FILE`: checks a validation package's export bundle offline — no server, no
// database, no configuration read — naming every file, proof and signature that does not match.
import { normalizeFingerprint } from '../../packages/bundle-format.js';
import { describeBundleVerification, verifyBundleFile } from '../../packages/bundle-verifier.js';
import { jsonOption, UsageError, type Command } from '../command.js';
import { print } from '../output.js';

export const command: Command = {
  name: 'verify-bundle',
  summary: "Check a package's export bundle offline: files, evidence digests, audit proofs, checkpoint and signatures",
  usage:
    'gxpw verify-bundle FILE [--expect-key FINGERPRINT]... [--json]\n\n' +
    'Needs no server and no database. Exits 0 when everything matches, 1 naming each problem.\n' +
    '--expect-key: the SHA-256 fingerprint of a key you trust (GET /api/v1/keys of the server, obtained\n' +
    'independently of the bundle); repeatable. With it, the checkpoint and every signature must have\n' +
    'been made with one of these keys; without it, the keys the bundle carries are trusted.',
  options: { ...jsonOption, 'expect-key': { type: 'string', multiple: true } },
  run: async (values, positionals) => {
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `one bundle file at a time, not ${positionals.length}` : 'the bundle FILE is required');
    const given = (values['expect-key'] as unknown as string[] | undefined) ?? [];
    const expectKeys = given.map((text) => {
      const fingerprint = normalizeFingerprint(text);
      if (!fingerprint) throw new UsageError(`--expect-key ${text} is not a SHA-256 fingerprint (64 hex digits)`);
      return fingerprint;
    });
    const result = await verifyBundleFile(positionals[0]!, { expectKeys });
    print(values, result, describeBundleVerification(result));
    return result.ok ? 0 : 1;
  },
};
