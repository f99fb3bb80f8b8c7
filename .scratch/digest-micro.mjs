import { digestOf } from '../dist/src/platform/canonical-json.js';
const state = { type: 'interface', id: 'IF-BENCH-00001', columns: { id: 1, name: 'Bench interface number 1 from ERP to WMS', source_system_id: 1, target_system_id: 2, layer: 'integration-platform', pattern: 'rest-api', direction: 'unidirectional', message_types: '["SalesOrder"]', data_domains: '["orders"]', platforms: '["MuleSoft Runtime 4.6"]', gxp_relevant: true, intended_use: 'Order release to the warehouse for picking and shipping of finished goods', owner: 'ERP team', environments: '{"test":"http://127.0.0.1:3000/sim/wms"}', status: 'active', retired_reason: null, revision: 1, current_contract_version: null, current_assessment_id: null, risk_level: null, review_due: null, created_at: '2026-12-06T22:00:00.000Z' }, parts: [{ platform: 'MuleSoft Runtime 4.6' }] };
let t = performance.now();
for (let i = 0; i < 5000; i++) digestOf(state);
console.log('canonicalize+sha256 x5000', Math.round(performance.now() - t), 'ms');
t = performance.now();
for (let i = 0; i < 5000; i++) JSON.stringify(state);
console.log('JSON.stringify x5000', Math.round(performance.now() - t), 'ms');
