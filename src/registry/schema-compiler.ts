// One place that turns a JSON Schema into an ajv validator, for contracts (contract-document) and
// for the message-set worker threads, which must validate exactly as the contract does. Strict
// mode is "log": every strict-mode complaint (unknown keyword, unknown format, ambiguous types …)
// becomes a warning instead of a refusal, the way a validator of real-world vendor schemas has to
// work; what ajv cannot compile at all throws. Patterns run on the linear-time engine of
// contract-patterns.ts; those it cannot run are warnings, and reported unchecked where consulted.
// (Formats are ajv-formats' own fixed expressions, not the contract's: they stay native.)
import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { LinearPatternEngine, locatePatterns, patternPropertyNames, type UncheckedPattern } from './contract-patterns.js';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

// ajv-draft-04 and ajv-formats are CommonJS with a default export property.
const AjvDraft04 = ((AjvDraft04Module as unknown as { default?: unknown }).default ?? AjvDraft04Module) as unknown as new (options: Options) => Ajv;
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

export type Dialect = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12';

/** OpenAPI/AsyncAPI annotations that may sit inside their schemas without being JSON Schema. */
const API_ANNOTATIONS = ['example', 'xml', 'externalDocs', 'deprecated', 'discriminator'];

/** How a schema is compiled: everything a worker thread needs to compile the very same validator. */
export interface SchemaSpec {
  schema: unknown;
  dialect: Dialect;
  apiAnnotations: boolean;
}

export type { UncheckedPattern };

export interface CompiledSchema {
  validate: ValidateFunction;
  warnings: string[];
  /** Patterns of the schema the linear-time engine cannot run: never checked. */
  uncheckedPatterns: UncheckedPattern[];
}

const NONE: UncheckedPattern[] = [];

/** The engine of each compiled validator, to ask which unchecked patterns a validation consulted. */
const engines = new WeakMap<ValidateFunction, { engine: LinearPatternEngine; located: UncheckedPattern[] }>();

export function compileSchema(schema: unknown, dialect: Dialect, apiAnnotations: boolean): CompiledSchema {
  const warnings: string[] = [];
  const engine = new LinearPatternEngine(patternPropertyNames(schema));
  const validate = createAjv(dialect, apiAnnotations, warnings, engine).compile(schema as AnySchema);
  const uncheckedPatterns = locatePatterns(schema, engine.unsupported);
  for (const { pointer, pattern, reason } of uncheckedPatterns) {
    warnings.push(`pattern ${JSON.stringify(pattern)} at ${pointer ?? '(unknown location)'} is not checked: the linear-time pattern engine cannot run it (${reason}); runs report every value it applies to as unchecked`);
  }
  engines.set(validate, { engine, located: uncheckedPatterns });
  return { validate, warnings, uncheckedPatterns };
}

/**
 * The unchecked patterns (see compileSchema) the last call(s) of `validate` consulted, and forgets
 * them: call it right after validate() — validation is synchronous, so nothing else ran between.
 */
export function takeUncheckedPatterns(validate: ValidateFunction): UncheckedPattern[] {
  const entry = engines.get(validate);
  if (!entry?.located.length) return NONE;
  const touched = entry.engine.takeTouched();
  return touched.length ? entry.located.filter((p) => touched.includes(p.pattern)) : NONE;
}

function createAjv(dialect: Dialect, apiAnnotations: boolean, warnings: string[], engine: LinearPatternEngine): Ajv {
  const options: Options = {
    code: { regExp: engine.regExp },
    strict: 'log',
    allErrors: true,
    validateFormats: true,
    // OpenAPI's discriminator is understood, not just tolerated.
    discriminator: apiAnnotations,
    logger: { log: () => undefined, warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')), error: () => undefined },
  };
  const ajv: Ajv =
    dialect === 'draft-04' ? new AjvDraft04(options) : dialect === '2019-09' ? new Ajv2019(options) : dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
  if (dialect === 'draft-06') ajv.addMetaSchema(draft06MetaSchema);
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  // Some dialects already know some of these (deprecated in 2019-09+, discriminator when enabled).
  if (apiAnnotations) for (const keyword of API_ANNOTATIONS) if (!(keyword in ajv.RULES.keywords)) ajv.addKeyword({ keyword });
  return ajv;
}
