// `gxpw demo`: creates the demo workspace and its runs against the reference simulators (idempotent).
import { acquireDemoLock } from '../../demo/demo-lock.js';
import { runDemoScenariosWithSimulators, seedDemoWorkspace, type DemoRunsReport } from '../../demo/demo-workspace.js';
import { jsonOption, type Command } from '../command.js';
import { describeDemo } from '../describe-demo.js';
import { print } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'demo',
  summary: 'Create the demo workspace on an empty database, and its runs against the reference simulators (idempotent)',
  usage: 'gxpw demo [--json]\n\nThe runs go to the simulators of a server answering on PORT (gxpw serve); when none does, the\nsimulators are served on PORT for the duration of the runs. Runs are made only while there are none.',
  options: { ...jsonOption },
  run: async (values) =>
    withMigratedServices(async (services) => {
      // One demo at a time: a server starting beside seeds and runs it after (or before) this.
      const lock = await acquireDemoLock(services.database, services.config.database, { onWait: (holder) => console.error(`gxpw demo: waiting for ${holder}, which is creating the demo workspace…`) });
      try {
        const result = await seedDemoWorkspace(services, services.config.demo.password);
        // A generated password is shown only once: it must reach the console even when the runs fail.
        if (!values.json) console.log(describeDemo(result));
        let runs: DemoRunsReport;
        try {
          runs = await runDemoScenariosWithSimulators(services, services.config.demo.password ?? result.generatedPassword);
        } catch (error) {
          if (values.json) console.log(JSON.stringify({ ...result, runs: null, error: (error as Error).message }, null, 2));
          throw error;
        }
        print(values, { ...result, ...runs }, describeDemoRuns(runs));
        return 0;
      } finally {
        await lock.release();
      }
    }),
};

function describeDemoRuns({ runs, simulators }: DemoRunsReport): string {
  if (!simulators) return 'The workspace has runs already: no demo runs made.';
  if (runs === 0) return `No demo runs: no demo interface's test environment points at ${simulators.url}.`;
  return `Demo runs: ${runs} against the simulators at ${simulators.url} (${simulators.servedForTheRuns ? 'served for the runs, now stopped' : 'of the running server'}); the fault showcases fail, each with an open deviation.`;
}
