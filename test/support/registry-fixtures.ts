// Small registry fixtures shared by the registry, risk and contract suites.
import type { NewInterface } from '../../src/registry/interface-service.js';
import type { NewSystem } from '../../src/registry/system-service.js';

export const ERP: NewSystem = { name: 'SAP S/4HANA', kind: 'erp', vendor: 'SAP', product: 'S/4HANA', version: '2023 FPS02', gampCategory: 4, layer: 'source-system', owner: 'ERP CoE' };
export const WMS: NewSystem = { name: 'Manhattan Active', kind: 'wms', vendor: 'Manhattan Associates', product: 'Manhattan Active WM', version: '2026.1', gampCategory: 4, layer: 'source-system', owner: 'Warehouse IT' };

export function anInterface(key: string, overrides: Partial<NewInterface> = {}): NewInterface {
  return {
    key,
    name: `Sales orders ${key}`,
    sourceSystem: ERP.name,
    targetSystem: WMS.name,
    layer: 'integration-platform',
    pattern: 'rest-api',
    direction: 'unidirectional',
    messageTypes: ['SalesOrder'],
    dataDomains: ['orders'],
    platforms: ['MuleSoft Runtime 4.6'],
    gxpRelevant: true,
    intendedUse: 'Releases sales orders for picking; a lost order delays patient supply.',
    owner: 'Integration team',
    environments: { test: 'http://127.0.0.1:3000/sim/wms' },
    ...overrides,
  };
}
