// RFC 8785 (JSON Canonicalization Scheme) and the SHA-256 digests built on it. Every digest that
// binds a signature or an audit event to content goes through here (Part 11 §11.70).
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Canonical JSON text of a value: sorted keys, ES number formatting, no whitespace. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as JSON');
  return text;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 (hex) of the RFC 8785 canonical form: the same for any key order or spelling. */
export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
