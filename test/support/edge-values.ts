// The shared edge-case inputs the route tests feed to every route (edge-values.test, no-500.test).

/**
 * Text that `+text` (ajv's coercion) turns into a number no database column holds, or into one the
 * client did not write: every numeric path parameter and query field must refuse each with 400.
 */
export const EDGE_NUMBERS = ['Infinity', '-Infinity', '1e400', '-1e400', 'NaN', '', ' ', '0x10', '1e3', '1.5', '99999999999999999999'];
