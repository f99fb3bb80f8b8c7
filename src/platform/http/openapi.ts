// Builds the OpenAPI 3.1 document from the declared routes, so it always matches what is served.
import type { RouteSpec } from './api-router.js';

type Schema = Record<string, unknown>;

export function buildOpenApiDocument(specs: RouteSpec[], version: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query')];
    const status = String(spec.status ?? 200);
    const content: Schema = { 'application/json': {} };
    for (const type of spec.produces ?? []) content[type] = {};
    const operation: Schema = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: `${spec.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      'x-permission': spec.permission,
      security: spec.permission === 'public' ? [] : [{ bearer: [] }],
      parameters,
      responses: {
        [status]: status === '204' ? { description: 'Done' } : { description: 'Success', content },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    if (spec.body) operation.requestBody = { required: true, content: { 'application/json': { schema: withoutId(spec.body) } } };
    (paths[path] ??= {})[spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'GxP Integration Workbench API',
      version,
      description: 'Every route names the permission it needs (x-permission). Errors share one shape.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details', 'correlationId'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'array', items: { type: 'object' } },
                correlationId: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}

function parametersOf(schema: Schema | undefined, where: 'path' | 'query'): Schema[] {
  const properties = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

function withoutId(schema: Schema): Schema {
  const { $id, ...rest } = schema;
  return $id ? { title: $id, ...rest } : rest;
}
