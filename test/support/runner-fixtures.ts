// What runner tests set up again and again: the workbench listening on loopback (its simulators
// under /sim), and sales-order interfaces between the demo ERP and WMS with the demo contract.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_SYSTEMS } from '../../src/demo/reference-architecture.js';
import { systemContext } from '../../src/platform/request-context.js';
import type { TestWorkbench } from './test-workbench.js';

/** A sales order the demo contract accepts, its numbers generated per run by step templates. */
export const SALES_ORDER = {
  orderNumber: '{{digits:10}}',
  orderType: 'OR',
  plant: 'US10',
  requestedDeliveryDate: '{{today}}',
  soldTo: { partnerNumber: '0000100200', name: 'Northstar Pharma Distribution' },
  shipTo: { partnerNumber: '0000100201', gln: '{{gln}}', name: 'Northstar DC Columbus' },
  lines: [{ lineNumber: '000010', material: 'FG-100245', gtin: '{{gtin}}', ndc: '12345-678-90', quantity: 120, unitOfMeasure: 'EA' }],
};

export const SALES_ORDERS_CONTRACT = fs.readFileSync('demo/contracts/erp-wms-sales-orders.openapi.yaml', 'utf8');

/** Serves the workbench on a free loopback port; answers the server and its base URL. */
export async function listenOnLoopback(wb: TestWorkbench): Promise<{ server: Server; base: string }> {
  const server = wb.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The demo ERP and WMS, then one sales-order interface per key with the demo contract registered. */
export async function salesOrderInterfaces(wb: TestWorkbench, keys: string[], environments: Record<string, string>): Promise<void> {
  const ctx = systemContext('test');
  for (const name of ['SAP S/4HANA', 'Manhattan Active WM']) await wb.services.systems.create(ctx, DEMO_SYSTEMS.find((s) => s.name === name)!);
  for (const key of keys) {
    await wb.services.interfaces.create(ctx, { key, name: 'Sales orders', sourceSystem: 'SAP S/4HANA', targetSystem: 'Manhattan Active WM', layer: 'integration-platform', pattern: 'rest-api', direction: 'unidirectional', messageTypes: ['SalesOrder'], dataDomains: ['orders'], platforms: ['MuleSoft Runtime 4.6'], gxpRelevant: true, intendedUse: 'Order release', owner: 'ERP team', environments, status: 'active' });
    await wb.services.contracts.register(ctx, key, { format: 'openapi', document: SALES_ORDERS_CONTRACT });
  }
}

/** Requirement records with the given keys on an interface, so scenarios may name them (they must name records). */
export async function requirementsNamed(wb: TestWorkbench, interfaceKey: string, keys: string[]): Promise<void> {
  for (const key of keys) await wb.services.requirements.create(systemContext('test'), interfaceKey, { key, type: 'functional', text: `Requirement ${key} (test fixture).` });
}
