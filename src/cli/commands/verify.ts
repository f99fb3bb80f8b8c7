// `gxpw verify`: checks the audit trail, every electronic signature and (--evidence) every evidence file.
import { checkIntegrity, describeIntegrity } from '../../integrity/integrity-check.js';
import { jsonOption, type Command } from '../command.js';
import { print, withProgress } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'verify',
  summary: 'Verify the audit trail, every electronic signature and (--evidence) every evidence file',
  usage: 'gxpw verify [--evidence] [--json]\n\nExits 0 when intact, 1 when anything is wrong (naming the first bad sequence number, each invalid\nsignature and each missing or changed evidence file).',
  options: { ...jsonOption, evidence: { type: 'boolean' } },
  run: async (values) =>
    withMigratedServices(async (services) => {
      const report = await checkIntegrity(services, (title, work) => withProgress(values, title, work), { evidence: values.evidence === true });
      print(values, report, describeIntegrity(report));
      return report.ok ? 0 : 1;
    }),
};
