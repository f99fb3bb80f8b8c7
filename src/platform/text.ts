// Text the databases and the canonical JSON of the audit trail can hold faithfully.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for a string with a lone UTF-16 surrogate: not Unicode text, so RFC 8785 cannot encode it. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}
