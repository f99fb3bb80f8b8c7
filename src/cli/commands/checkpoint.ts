// `gxpw checkpoint`: signs a checkpoint of the audit trail now.
import { cliContext, jsonOption, type Command } from '../command.js';
import { print } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'checkpoint',
  summary: 'Sign a checkpoint of the audit trail now',
  usage: 'gxpw checkpoint [--json]',
  options: { ...jsonOption },
  run: async (values) =>
    withMigratedServices(async (services) => {
      const result = await services.audit.checkpointNow(cliContext());
      if (!result) {
        console.error('gxpw checkpoint: the audit trail is empty: there is nothing to checkpoint');
        return 1;
      }
      const { treeSize, rootHash, keyId } = result.checkpoint;
      print(values, { created: result.created, treeSize, rootHash, keyId }, `${result.created ? 'Signed' : 'Already signed'}: checkpoint over ${treeSize} events, root ${rootHash}, key ${keyId}.`);
      return 0;
    }),
};
