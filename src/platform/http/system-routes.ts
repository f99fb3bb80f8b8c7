// Routes about the server itself: health, public keys, and the OpenAPI description.
import type { Database } from '../database.js';
import type { Keyring } from '../keyring.js';
import type { ApiRouter } from './api-router.js';
import { buildOpenApiDocument } from './openapi.js';

export const SERVER_VERSION = '0.1.0';

export function registerSystemRoutes(api: ApiRouter, database: Database, keyring: Keyring): void {
  api.add({
    method: 'get',
    path: '/healthz',
    permission: 'public',
    tag: 'system',
    summary: 'Liveness and database reachability',
    handler: async (_input, res) => {
      try {
        await database.sequelize.query('SELECT 1');
        return { status: 'ok', database: database.dialect, version: SERVER_VERSION };
      } catch {
        return res.status(503).json({ status: 'unavailable', database: database.dialect, version: SERVER_VERSION });
      }
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/keys',
    permission: 'public',
    tag: 'system',
    summary: "The server's Ed25519 public keys (current and retired) for verifying checkpoints and signatures offline",
    handler: async () => ({ keys: keyring.publicKeys() }),
  });

  api.add({
    method: 'get',
    path: '/api/openapi.json',
    permission: 'public',
    tag: 'system',
    summary: 'This OpenAPI document',
    handler: async () => buildOpenApiDocument(api.specs, SERVER_VERSION),
  });
}
