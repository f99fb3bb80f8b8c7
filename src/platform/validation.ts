// One shared ajv set-up for request validation (STYLE.md §3). Bodies are validated strictly;
// query strings and path parameters (always text) with type coercion — after a strict check of the
// text of every numeric field, because ajv's own coercion takes whatever `+text` makes a number of:
// "Infinity", "1e400" (→ Infinity), "0x1f", " " (→ 0). `$data` stays off.
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
/** The numeric fields of a query or params schema, by validator: their text is checked before ajv coerces it. */
const numericFieldsOf = new WeakMap<ValidateFunction, Array<{ name: string; integer: boolean }>>();

export type InputPart = 'body' | 'query' | 'params';

export function compileValidator(schema: JsonSchema, part: InputPart): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = (part === 'body' ? bodyAjv : queryAjv).compile(schema);
    compiled.set(schema, validate);
    if (part !== 'body') numericFieldsOf.set(validate, numericFields(schema));
  }
  return validate;
}

function numericFields(schema: JsonSchema): Array<{ name: string; integer: boolean }> {
  const properties = (schema.properties ?? {}) as Record<string, { type?: string | string[] }>;
  return Object.entries(properties).flatMap(([name, property]) => {
    const types = ([] as string[]).concat(property?.type ?? []);
    return types.includes('integer') || types.includes('number') ? [{ name, integer: !types.includes('number') }] : [];
  });
}

/** Plain decimal text only: a sign, digits, a fraction and an exponent for numbers; digits for integers. */
const DECIMAL_INTEGER = /^[+-]?\d{1,16}$/;
const DECIMAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number sent as text must be one a database can hold: finite, and for an integer within
 * JavaScript's exact range. Refused with the field named, before ajv would coerce it.
 */
function rejectUnrepresentableNumbers(validate: ValidateFunction, data: unknown, part: InputPart): void {
  const fields = numericFieldsOf.get(validate);
  if (!fields?.length || !data || typeof data !== 'object') return;
  const details: ErrorDetail[] = [];
  for (const { name, integer } of fields) {
    const value = (data as Record<string, unknown>)[name];
    if (value === undefined) continue;
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue;
      const number = Number(text);
      const ok = integer ? DECIMAL_INTEGER.test(text) && Number.isSafeInteger(number) : DECIMAL_NUMBER.test(text) && Number.isFinite(number);
      if (!ok) details.push({ field: `${part}.${name}`, rule: 'type', message: integer ? 'must be a whole number written in decimal digits' : 'must be a finite decimal number' });
    }
  }
  if (details.length) throw new ValidationError(`Invalid ${part}: ${details[0]!.field} ${details[0]!.message}`, details);
}

/** Validates in place (defaults and coercions apply) or throws a 400 naming each field and rule. */
export function validateInput<T>(validate: ValidateFunction, data: unknown, part: InputPart): T {
  if (part !== 'body') rejectUnrepresentableNumbers(validate, data, part);
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
