// /api/v1/risk-models and /api/v1/interfaces/:key/risk-assessments (`qa` assesses, all read).
import type { ApiRouter } from '../platform/http/api-router.js';
import { interfaceKeyParams } from '../registry/registry-schemas.js';
import type { InterfaceService } from '../registry/interface-service.js';
import type { RiskAssessment } from './assessment-model.js';
import type { AssessmentService, NewAssessment } from './assessment-service.js';
import type { RiskModelRegistry } from './risk-model-registry.js';
import { evaluate, type Answers } from './risk-model.js';
import { presentAssessment, presentRiskModel } from './risk-presenter.js';
import { idParams } from '../platform/http/common-schemas.js';
import { assessBody, evaluateBody, modelIdParams } from './risk-schemas.js';

export function registerRiskRoutes(api: ApiRouter, riskModels: RiskModelRegistry, assessments: AssessmentService, interfaces: InterfaceService): void {
  /** Presents assessments of one interface, each knowing whether a newer one superseded it. */
  const presentHistory = (rows: RiskAssessment[], key: string) =>
    rows.map((row) => presentAssessment(row, key, riskModels.find(row.modelId), rows.find((other) => other.supersedesId === row.id)?.id ?? null));

  api.add({
    method: 'get',
    path: '/api/v1/risk-models',
    permission: 'registry:read',
    tag: 'risk',
    summary: 'The risk models loaded from risk-models/ (id, version, digest, factors, scoring, levels)',
    handler: async () => ({ riskModels: riskModels.list().map(presentRiskModel) }),
  });

  api.add<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/api/v1/risk-models/:id',
    permission: 'registry:read',
    tag: 'risk',
    summary: 'One risk model',
    params: modelIdParams,
    handler: async ({ params }) => presentRiskModel(riskModels.get(params.id)),
  });

  api.add<{ answers: Answers }, unknown, { id: string }>({
    method: 'post',
    path: '/api/v1/risk-models/:id/evaluate',
    permission: 'registry:read',
    tag: 'risk',
    summary: 'Score answers with a model without storing anything (a preview)',
    params: modelIdParams,
    body: evaluateBody,
    handler: async ({ params, body }) => evaluate(riskModels.get(params.id).model, body.answers),
  });

  api.add<unknown, unknown, { key: string }>({
    method: 'get',
    path: '/api/v1/interfaces/:key/risk-assessments',
    permission: 'registry:read',
    tag: 'risk',
    summary: "An interface's risk assessments, newest first, with superseded ones",
    params: interfaceKeyParams,
    handler: async ({ params }) => ({ riskAssessments: presentHistory(await assessments.history(params.key), params.key) }),
  });

  api.add<NewAssessment, unknown, { key: string }>({
    method: 'post',
    path: '/api/v1/interfaces/:key/risk-assessments',
    permission: 'risk:assess',
    tag: 'risk',
    summary: 'Assess an interface with a risk model; supersedes the previous assessment of the same scope',
    params: interfaceKeyParams,
    body: assessBody,
    status: 201,
    handler: async ({ params, body, ctx }) => {
      const row = await assessments.assess(ctx, params.key, body);
      return presentAssessment(row, params.key, riskModels.find(row.modelId), null);
    },
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/risk-assessments/:id',
    permission: 'registry:read',
    tag: 'risk',
    summary: 'One risk assessment',
    params: idParams,
    handler: async ({ params }) => {
      const row = await assessments.get(params.id);
      const key = (await interfaces.keyOf(row.interfaceId))!;
      return presentHistory(await assessments.history(key), key).find((a) => a.id === row.id);
    },
  });
}
