// RFC 6901 JSON pointers: the one resolver used wherever a document is addressed by pointer
// (contract targets, $ref resolution, error locations).

/** What `resolveJsonPointer` answers when nothing is at the pointer (undefined could be a value). */
export const NOTHING = Symbol('nothing at this pointer');

/** The value at `pointer` ('' is the whole document), or NOTHING. */
export function resolveJsonPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  if (!pointer.startsWith('/')) return NOTHING;
  let current: unknown = document;
  for (const token of pointer.slice(1).split('/')) {
    const key = unescapePointerToken(token);
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return NOTHING;
    if (Array.isArray(current) && !/^(0|[1-9]\d*)$/.test(key)) return NOTHING;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Resolves a same-document reference such as '#/components/schemas/Order' (URI-encoded or not). */
export function resolveLocalRef(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return NOTHING;
  try {
    return resolveJsonPointer(document, decodeURIComponent(ref.slice(1)));
  } catch {
    return NOTHING;
  }
}

export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function unescapePointerToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}
