// /api/v1/interfaces/:key/scenarios and /api/v1/runs.
import { ConflictError } from '../platform/errors.js';
import type { ApiRouter } from '../platform/http/api-router.js';
import { idParams } from '../platform/http/common-schemas.js';
import { interfaceKeyParams } from '../registry/registry-schemas.js';
import { ctrfOf, junitOf, presentRun } from './run-presenter.js';
import type { RunService, StartRun } from './run-service.js';
import { RUN_STATUSES, type RunStatus } from './scenario-models.js';
import { scenarioDefinitionSchema, type ScenarioDefinition } from './scenario-schema.js';
import { presentScenario, type ScenarioService } from './scenario-service.js';

const scenarioParams = { ...interfaceKeyParams, required: ['key', 'scenario'], properties: { ...interfaceKeyParams.properties, scenario: scenarioDefinitionSchema.properties.key } } as const;

const scenarioVersionQuery = { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1, maximum: 2147483647 } } } as const;

const startRunBody = {
  $id: 'StartRun',
  type: 'object',
  additionalProperties: false,
  required: ['interface'],
  properties: {
    interface: interfaceKeyParams.properties.key,
    environment: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$', description: "An environment of the interface (default: test, else its first)" },
    dryRun: { type: 'boolean', description: 'Allowed without a risk assessment; never a run for record' },
  },
} as const;

const listRunsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { interface: interfaceKeyParams.properties.key, status: { enum: [...RUN_STATUSES] }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
} as const;

export function registerScenarioRoutes(api: ApiRouter, scenarios: ScenarioService, runs: RunService): void {
  /** Test reports describe a finished run only: a CI server would read a half-run as its result. */
  const finishedRun = async (id: number) => {
    const run = await runs.get(id);
    if (run.status === 'queued' || run.status === 'running') throw new ConflictError(`Run ${id} is ${run.status}; its report exists once it has finished.`, 'run_not_finished');
    return run;
  };
  api.add<unknown, unknown, { key: string }>({
    method: 'get',
    path: '/api/v1/interfaces/:key/scenarios',
    permission: 'registry:read',
    tag: 'scenarios',
    summary: "The newest version of each of an interface's scenarios",
    params: interfaceKeyParams,
    handler: async ({ params }) => ({ scenarios: (await scenarios.current(params.key)).map((s) => presentScenario(s, params.key)) }),
  });

  api.add<ScenarioDefinition, unknown, { key: string }>({
    method: 'post',
    path: '/api/v1/interfaces/:key/scenarios',
    permission: 'scenarios:edit',
    tag: 'scenarios',
    summary: 'Save a scenario (a new version when the key exists); every step must name an operation of the contract',
    params: interfaceKeyParams,
    body: scenarioDefinitionSchema,
    status: 201,
    handler: async ({ params, body, ctx }) => presentScenario(await scenarios.save(ctx, params.key, body), params.key),
  });

  api.add<unknown, { version?: number }, { key: string; scenario: string }>({
    method: 'get',
    path: '/api/v1/interfaces/:key/scenarios/:scenario',
    permission: 'registry:read',
    tag: 'scenarios',
    summary: 'One scenario: its newest version, or ?version=N (the version a run names)',
    params: scenarioParams,
    query: scenarioVersionQuery,
    handler: async ({ params, query }) => presentScenario(await scenarios.get(params.key, params.scenario, query.version), params.key),
  });

  api.add<StartRun>({
    method: 'post',
    path: '/api/v1/runs',
    permission: 'runs:start',
    tag: 'runs',
    summary: 'Queue a run of an interface at the depth its risk assessment demands; answers its id and status',
    body: startRunBody,
    status: 201,
    handler: async ({ body, ctx }) => {
      const run = await runs.start(ctx, body);
      return { id: run.id, status: run.status, run: presentRun(run) };
    },
  });

  api.add<unknown, { interface?: string; status?: RunStatus; limit?: number }>({
    method: 'get',
    path: '/api/v1/runs',
    permission: 'registry:read',
    tag: 'runs',
    summary: 'Runs, newest first',
    query: listRunsQuery,
    handler: async ({ query }) => ({ runs: (await runs.list(query)).map((r) => presentRun(r)) }),
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/runs/:id',
    permission: 'registry:read',
    tag: 'runs',
    summary: 'One run with its steps, results and evidence digests',
    params: idParams,
    handler: async ({ params }) => presentRun(await runs.get(params.id), await runs.steps(params.id)),
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/runs/:id/junit',
    permission: 'registry:read',
    tag: 'runs',
    summary: 'The run as JUnit XML',
    params: idParams,
    produces: ['application/xml'],
    handler: async ({ params }, res) => {
      const run = await finishedRun(params.id);
      res.status(200).type('application/xml').send(junitOf(run, await runs.steps(run.id)));
      return undefined;
    },
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/runs/:id/ctrf',
    permission: 'registry:read',
    tag: 'runs',
    summary: 'The run as CTRF JSON (Common Test Report Format)',
    params: idParams,
    handler: async ({ params }) => {
      const run = await finishedRun(params.id);
      return ctrfOf(run, await runs.steps(run.id));
    },
  });
}
