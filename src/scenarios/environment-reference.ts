// An interface's environment names the base URL its scenarios run against. The reference
// simulators are served by the workbench itself, on whatever address it listens on today, so an
// environment may point at the server itself: `self:/sim/wms` — a path, never a host. The process
// that executes a run resolves it when the run is queued: `gxpw serve` to the address it listens on,
// a process that does not listen (`gxpw run`, `gxpw demo`) to GXPW_PUBLIC_URL or, without it, to
// http://HOST:PORT. The run keeps both the reference and the URL it resolved to (Part 11 §11.10(h):
// which endpoint the data came from), and an absolute URL stays what it is.
import type { Config } from '../config.js';

export const SELF_REFERENCE_PREFIX = 'self:';

/** True for `self:/path` (the registry's schemas accept only that shape: a path, no host). */
export function isSelfReference(baseUrl: string): boolean {
  return baseUrl.startsWith(SELF_REFERENCE_PREFIX);
}

/** The URL a base URL stands for: a `self:` path joined to `selfOrigin`, anything else as it is. */
export function resolveBaseUrl(baseUrl: string, selfOrigin: string): string {
  if (!isSelfReference(baseUrl)) return baseUrl;
  return `${selfOrigin.replace(/\/+$/, '')}${baseUrl.slice(SELF_REFERENCE_PREFIX.length)}`;
}

/**
 * Where a process that does not listen itself finds the server: GXPW_PUBLIC_URL when set, otherwise
 * http://HOST:PORT (a wildcard HOST is reached on loopback; PORT 0, "any free port", as the default 3000).
 */
export function configuredSelfOrigin(config: Pick<Config, 'host' | 'port' | 'publicUrl'>): string {
  if (config.publicUrl) return config.publicUrl;
  return originOf(config.host, config.port > 0 ? config.port : 3000);
}

/** http://host:port for a listening address; wildcard addresses become loopback, IPv6 is bracketed. */
export function originOf(host: string, port: number): string {
  const reachable = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
