// `gxpw keys list|rotate`: shows or rotates the server's Ed25519 signing keys.
import { rotateSigningKey } from '../../audit/key-rotation.js';
import { loadConfig } from '../../config.js';
import { Keyring } from '../../platform/keyring.js';
import { cliContext, jsonOption, required, UsageError, type Command } from '../command.js';
import { print } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'keys',
  summary: "Show or rotate the server's Ed25519 signing keys (old keys are kept for verification)",
  usage: 'gxpw keys list [--json]\ngxpw keys rotate --reason "why" [--json]',
  options: { reason: { type: 'string' }, ...jsonOption },
  run: async (values, [action = 'list']) => {
    if (action === 'list') {
      const keys = Keyring.open(loadConfig().keysDir).publicKeys();
      print(values, { keys }, keys.map((k) => `${k.keyId}  ${k.createdAt}  ${k.fingerprint}${k.active ? '  (active)' : ''}`).join('\n'));
      return 0;
    }
    if (action !== 'rotate') throw new UsageError(`unknown keys action '${action}'`);
    const reason = required(values, 'reason');
    return withMigratedServices(async ({ database, audit, keyring }) => {
      const key = await rotateSigningKey(database, audit, keyring, cliContext(), reason);
      print(values, key, `New active key ${key.keyId}; ${keyring.publicKeys().length - 1} older key(s) kept for verification.`);
      return 0;
    });
  },
};
