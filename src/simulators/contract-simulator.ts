// Reference simulators: the ERP, WMS, serialization and trading-partner endpoints of the demo
// workspace, driven by the demo's own OpenAPI contracts (demo/contracts/). Each operation checks
// the request against its contract, answers with a body generated from the response schema (with
// the request's identifiers echoed), keeps what was created so a GET finds it, and can be told to
// misbehave — so the runner has real peers, and a demo can show a failing run and its evidence.
// The few operations a schema cannot answer coherently (an EPCIS event history) are scripted
// (scripted-answers.ts).
import fs from 'node:fs';
import type { Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { generateSync } from 'json-schema-faker';
import type { ValidateFunction } from 'ajv';
import { fileURLToPath } from 'node:url';
import { compileContract, readContract, type ReadContract } from '../registry/contract-document.js';
import { SCRIPTED_ANSWERS, type ScriptedOperation } from './scripted-answers.js';

/** Demo contracts live next to the package (dist/src/simulators → ../../../demo/contracts). */
export const DEMO_CONTRACTS_DIR = fileURLToPath(new URL('../../../demo/contracts/', import.meta.url));

/**
 * Faults a request can ask for with `?fault=` (or the `X-Sim-Fault` header). `out-of-order` concerns
 * EPCIS event queries (the same events, in an order no serial can live through); elsewhere it is ignored.
 */
export const FAULTS = ['schema', 'status', 'slow', 'drop', 'out-of-order'] as const;
export type Fault = (typeof FAULTS)[number];

interface Operation {
  method: string;
  /** The OpenAPI path, e.g. /orders/{orderNumber}. */
  path: string;
  request?: ValidateFunction;
  responses: Map<string, { schema: unknown; validate: ValidateFunction }>;
  statuses: string[];
}

interface SimulatedSystem {
  name: string;
  operations: Operation[];
}

export interface SimulatorOptions {
  /** How long a `slow` fault waits (ms). */
  slowMs?: number;
  contractsDir?: string;
}

/** Reads the demo's OpenAPI contracts and groups their operations by simulated system (`/sim/<name>`). */
export async function loadSimulatedSystems(contractsDir = DEMO_CONTRACTS_DIR): Promise<SimulatedSystem[]> {
  const systems = new Map<string, SimulatedSystem>();
  for (const file of fs.readdirSync(contractsDir).filter((f) => /\.openapi\.(ya?ml|json)$/.test(f)).sort()) {
    const contract = await readContract('openapi', fs.readFileSync(`${contractsDir}${file}`, 'utf8'));
    const name = simulatedSystemOf(contract);
    if (!name) continue;
    const system = systems.get(name) ?? { name, operations: [] };
    system.operations.push(...operationsOf(contract));
    systems.set(name, system);
  }
  return [...systems.values()];
}

/** The system a contract's test server points at: http://…/sim/<name>. */
function simulatedSystemOf(contract: ReadContract): string | null {
  const servers = (contract.document.servers ?? []) as Array<{ url?: string }>;
  for (const server of servers) {
    const match = /\/sim\/([a-z][a-z0-9-]*)\/?$/.exec(server.url ?? '');
    if (match) return match[1]!;
  }
  return null;
}

function operationsOf(contract: ReadContract): Operation[] {
  const compiled = compileContract(contract);
  const operations = new Map<string, Operation>();
  for (const target of compiled.targets) {
    const match = /^([A-Z]+) (\S+) (?:request|→ (\S+))$/.exec(target.name);
    if (!match) continue;
    const [, method, path, status] = match;
    const key = `${method} ${path}`;
    const operation: Operation = operations.get(key) ?? { method: method!, path: path!, responses: new Map(), statuses: [] };
    if (status) {
      operation.responses.set(status, { schema: target.schema, validate: target.validate });
      operation.statuses.push(status);
    } else {
      operation.request = target.validate;
    }
    operations.set(key, operation);
  }
  return [...operations.values()];
}

/** An express app serving every simulated system under /<name>; mount it at /sim. */
export function createSimulatorApp(options: SimulatorOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  let names: string[] = [];
  const ready = loadSimulatedSystems(options.contractsDir).then((systems) => {
    names = systems.map((system) => system.name);
    for (const system of systems) {
      const router = systemRouter(system, options);
      app.use(`/${system.name}`, router);
      // The same system misbehaving on every request, for an environment of its own
      // (…/sim/faulty/<fault>/<system>): scenarios stay as they are, the environment decides.
      app.use(`/faulty/:fault/${system.name}`, faultFromPath, router);
    }
    app.use((_req: Request, res: Response) => void res.status(404).json({ error: { code: 'not_found', message: 'No such simulated operation.' } }));
  });
  // Routes are added once the contracts are read; requests that come earlier wait for it.
  app.use((_req: Request, _res: Response, next: NextFunction) => void ready.then(() => next(), next));
  // How a client (`gxpw demo`) tells the simulators from anything else listening on the port.
  app.get('/healthz', (_req: Request, res: Response) => void res.json({ status: 'ok', systems: names }));
  return app;
}

/** The simulators alone under /sim, listening on port and host; rejects when the port cannot be had. */
export async function serveSimulators(port: number, host: string, options: SimulatorOptions = {}): Promise<Server> {
  const server = express().use('/sim', createSimulatorApp(options)).listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return server;
}

function systemRouter(system: SimulatedSystem, options: SimulatorOptions): express.Router {
  const router = express.Router();
  const store = new Map<string, unknown>();
  router.use(express.json({ limit: '10mb', type: ['application/json', 'application/*+json'] }));
  for (const operation of system.operations) {
    const route = operation.path.replace(/\{([^}]+)\}/g, ':$1');
    const script = SCRIPTED_ANSWERS.get(`${system.name} ${operation.method} ${operation.path}`);
    router[operation.method.toLowerCase() as 'get'](route, (req: Request, res: Response) => void answer(operation, store, req, res, options, script));
  }
  // A body that is not JSON: the contract's 400.
  router.use((error: { type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (error.type === 'entity.parse.failed') return void res.status(400).json({ error: { code: 'malformed_json', message: 'The body is not valid JSON.' } });
    next(error);
  });
  return router;
}

async function answer(operation: Operation, store: Map<string, unknown>, req: Request, res: Response, options: SimulatorOptions, script?: ScriptedOperation): Promise<void> {
  const fault = faultOf(req);
  if (fault === 'drop') return void req.socket.destroy();
  if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 1500));
  if (fault === 'status') return void res.status(503).json({ error: { code: 'unavailable', message: 'Simulated outage (fault=status).' } });

  const params = req.params as Record<string, string>;
  if (operation.request && !operation.request(req.body)) {
    const status = operation.statuses.includes('422') ? '422' : '400';
    return void respond(operation, res, status, { ...req.body, ...params }, { code: 'validation_failed', message: 'The request does not match the contract.', details: (operation.request.errors ?? []).map((e) => ({ pointer: e.instancePath, message: e.message ?? e.keyword })) }, fault);
  }
  if (script) {
    const scripted = script({ query: req.query as Record<string, string | string[] | undefined>, fault });
    return void respond(operation, res, scripted.status, {}, null, fault, scripted.body);
  }
  const resourceKey = (id: string) => `${operation.path.replace(/\/\{[^}]+\}$/, '')}/${id}`;
  if (operation.method === 'GET') {
    const id = Object.values(params).at(-1);
    const found = id === undefined ? undefined : store.get(resourceKey(id));
    if (found === undefined) return void respond(operation, res, '404', params, { code: 'not_found', message: 'Not found.' }, fault);
    return void respond(operation, res, successOf(operation), found as Record<string, unknown>, null, fault, found);
  }
  const success = successOf(operation);
  const echo = { ...(typeof req.body === 'object' && req.body ? req.body : {}), ...params };
  const body = bodyFor(operation, success, echo);
  // Whatever a later GET would look up by: the path parameter of PUT, or the id in the answer of POST.
  const id = Object.values(params).at(-1) ?? idOf(body);
  if (id !== undefined && operation.method === 'POST' && store.has(`${operation.path}/${id}`) && operation.statuses.includes('409')) {
    return void respond(operation, res, '409', echo, { code: 'duplicate', message: `${id} exists already.` }, fault);
  }
  if (id !== undefined) store.set(operation.method === 'POST' ? `${operation.path}/${id}` : resourceKey(id), body);
  respond(operation, res, success, echo, null, fault, body);
}

function respond(operation: Operation, res: Response, status: string, echo: Record<string, unknown>, error: { code: string; message: string; details?: unknown } | null, fault: Fault | null, prepared?: unknown): void {
  const numeric = Number(status) || 500;
  if (!operation.responses.has(status)) {
    res.status(numeric).json(error ? { error } : {});
    return;
  }
  let body = prepared ?? bodyFor(operation, status, echo, error);
  if (fault === 'schema') body = breakSchema(body);
  res.status(numeric).json(body);
}

/** A response body that satisfies the contract: generated from the schema, the request's values echoed where they fit. */
function bodyFor(operation: Operation, status: string, echo: Record<string, unknown>, error: { code: string; message: string; details?: unknown } | null = null): unknown {
  const response = operation.responses.get(status);
  if (!response) return {};
  // Generated data can miss a constraint the generator does not model: try again, a few times.
  let generated: unknown = null;
  for (let attempt = 0; attempt < 8; attempt += 1) {
    generated = generateSync(response.schema as never, { useExamplesValue: true, alwaysFakeOptionals: false }) as unknown;
    if (!isObject(generated)) {
      if (response.validate(generated)) return generated;
      continue;
    }
    const echoed: Record<string, unknown> = { ...generated };
    for (const key of Object.keys(generated)) if (echo[key] !== undefined) echoed[key] = echo[key];
    if (error && isObject(echoed.error)) {
      // The error's own details where the contract has room for them; never generated filler.
      const { details: _filler, ...rest } = echoed.error;
      const told = { ...rest, code: error.code, message: error.message };
      for (const candidate of error.details === undefined ? [told] : [{ ...told, details: error.details }, told]) {
        if (response.validate({ ...echoed, error: candidate })) return { ...echoed, error: candidate };
      }
      echoed.error = told;
    }
    if (error && 'title' in echoed) Object.assign(echoed, { title: error.message, detail: error.message });
    if (response.validate(echoed)) return echoed;
    if (response.validate(generated)) return generated;
  }
  return generated;
}

/** Removes a required property or breaks a type: what `fault=schema` does to a valid answer. */
function breakSchema(body: unknown): unknown {
  if (!isObject(body)) return { unexpected: body };
  const [first] = Object.keys(body);
  if (first === undefined) return { unexpected: true };
  const { [first]: _removed, ...rest } = body;
  return { ...rest, [`${first}_`]: 42 };
}

function successOf(operation: Operation): string {
  return operation.statuses.filter((s) => /^2\d\d$/.test(s)).sort()[0] ?? '200';
}

function idOf(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const key = Object.keys(body).find((k) => /(Id|ID|Number)$/.test(k) && typeof body[k] === 'string');
  return key ? (body[key] as string) : undefined;
}

function faultFromPath(req: Request, res: Response, next: NextFunction): void {
  const fault = (req.params as Record<string, string>).fault;
  if (!FAULTS.includes(fault as Fault)) return void res.status(404).json({ error: { code: 'unknown_fault', message: `No such fault: ${fault} (${FAULTS.join(', ')}).` } });
  req.headers['x-sim-fault'] = fault;
  next();
}

function faultOf(req: Request): Fault | null {
  const asked = (req.query.fault ?? req.headers['x-sim-fault']) as string | undefined;
  return FAULTS.includes(asked as Fault) ? (asked as Fault) : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
