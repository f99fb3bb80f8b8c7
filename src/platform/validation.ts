// One shared ajv set-up for request validation (STYLE.md §3). Bodies are validated strictly;
// query strings (always text) with type coercion. `$data` stays off.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ValidationError, type ErrorDetail } from './errors.js';

// ajv-formats is CommonJS with a default export property.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

export type JsonSchema = Record<string, unknown>;

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes, useDefaults: true, $data: false });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

const bodyAjv = createAjv(false);
const queryAjv = createAjv(true);
const compiled = new WeakMap<object, ValidateFunction>();

export type InputPart = 'body' | 'query' | 'params';

export function compileValidator(schema: JsonSchema, part: InputPart): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = (part === 'body' ? bodyAjv : queryAjv).compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Validates in place (defaults and coercions apply) or throws a 400 naming each field and rule. */
export function validateInput<T>(validate: ValidateFunction, data: unknown, part: InputPart): T {
  if (!validate(data)) {
    const details = (validate.errors ?? []).map((error) => describeError(error, part));
    const first = details[0];
    throw new ValidationError(
      first ? `Invalid ${part}: ${first.field} ${first.message}` : `Invalid ${part}`,
      details,
    );
  }
  return data as T;
}

function describeError(error: ErrorObject, part: InputPart): ErrorDetail {
  let field = error.instancePath;
  if (error.keyword === 'required') field += `/${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'additionalProperties') field += `/${(error.params as { additionalProperty: string }).additionalProperty}`;
  const message =
    error.keyword === 'additionalProperties' ? 'is not an allowed field' : error.keyword === 'required' ? 'is required' : (error.message ?? 'is invalid');
  return { field: `${part}${field.replaceAll('/', '.')}`.replace(/^(\w+)\.$/, '$1'), rule: error.keyword, message };
}
