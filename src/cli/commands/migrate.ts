// `gxpw migrate`: applies the pending database migrations.
import { jsonOption, type Command } from '../command.js';
import { print } from '../output.js';
import { migrate, withServices } from '../with-services.js';

export const command: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations',
  usage: 'gxpw migrate [--json]',
  options: { ...jsonOption },
  run: async (values) =>
    withServices(async (services) => {
      const applied = await migrate(services);
      print(values, { applied }, applied.length ? `Applied ${applied.join(', ')}.` : 'The database is up to date.');
      return 0;
    }),
};
