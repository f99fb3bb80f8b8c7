// The demo workspace's reference architecture, as plain data: the systems of the seed article's five
// layers (SAP S/4HANA, Manhattan Active WM, TraceLink, MuleSoft, Confluent Kafka, Snowflake, Kinaxis
// and one wholesaler) and the interfaces between them, each with its contract in demo/contracts/ and
// the answers of its FDA CSA and GAMP 5 risk assessments, and the scenarios written for the demo
// beyond those drafted from the contracts. `gxpw demo` loads it; nothing here touches the database.

import type { Answers } from '../risk/risk-model.js';
import type { NewInterface } from '../registry/interface-service.js';
import type { NewSystem } from '../registry/system-service.js';
import type { PlatformKind } from '../registry/platform-model.js';
import type { ContractFormat } from '../registry/contract-document.js';
import type { ScenarioDefinition } from '../scenarios/scenario-schema.js';
import { EPCIS_HISTORY_UNIT } from '../simulators/epcis-events.js';

export type DemoSystem = NewSystem;

export interface DemoInterface extends Required<Omit<NewInterface, 'status' | 'retiredReason' | 'environments'>> {
  environments: Record<string, string>;
  contract: { format: ContractFormat; file: string };
  /** Answers to the shipped models' factors (checked against the models when the demo is seeded). */
  risk: { 'fda-csa': Answers; gamp5: Answers };
}

/**
 * The platform releases interfaces run on, as change control looks them up: the integration runtimes
 * (MuleSoft, Kafka) and the vendor-managed endpoint releases whose upgrades change an interface's
 * behaviour. Each text names a platform record (DEMO_PLATFORM_RECORDS) and the version the interface
 * was validated on; a vendor release (e.g. MuleSoft Runtime 4.6 → 4.9, TraceLink 2026.08 → 2026.11)
 * impacts every interface on the platform.
 */
export const DEMO_PLATFORMS = {
  mulesoft: 'MuleSoft Runtime 4.6',
  kafka: 'Confluent Platform 7.6',
  s4hana: 'SAP S/4HANA 2023 FPS02',
  manhattan: 'Manhattan Active WM 2025.2',
  tracelink: 'TraceLink 2026.08',
  snowflake: 'Snowflake 9.20',
  kinaxis: 'Kinaxis Maestro 2025.1',
} as const;

const P = DEMO_PLATFORMS;

export interface DemoPlatform {
  key: string;
  name: string;
  vendor: string;
  kind: PlatformKind;
  /** Environment → version in service there. */
  versions: Record<string, string>;
  /** Names of the demo systems that run on it. */
  systems: string[];
}

/**
 * The platforms as registry records, with the version in service per environment: the MuleSoft
 * 4.9 runtime and the TraceLink 2026.11 release are in test, production still runs 4.6 and 2026.08 —
 * the two vendor releases change control has to carry through.
 */
export const DEMO_PLATFORM_RECORDS: DemoPlatform[] = [
  { key: 'mulesoft-runtime', name: 'MuleSoft Runtime', vendor: 'Salesforce (MuleSoft)', kind: 'integration-platform', versions: { test: '4.9', validation: '4.6', production: '4.6' }, systems: ['MuleSoft'] },
  { key: 'confluent-platform', name: 'Confluent Platform', vendor: 'Confluent', kind: 'event-mesh', versions: { test: '7.6', validation: '7.6', production: '7.6' }, systems: ['Confluent Kafka'] },
  { key: 'sap-s-4hana', name: 'SAP S/4HANA', vendor: 'SAP SE', kind: 'erp', versions: { test: '2023 FPS02', validation: '2023 FPS02', production: '2023 FPS02' }, systems: ['SAP S/4HANA'] },
  { key: 'manhattan-active-wm', name: 'Manhattan Active WM', vendor: 'Manhattan Associates', kind: 'wms', versions: { test: '2025.2', validation: '2025.2', production: '2025.2' }, systems: ['Manhattan Active WM'] },
  { key: 'tracelink', name: 'TraceLink', vendor: 'TraceLink Inc.', kind: 'serialization', versions: { test: '2026.11', validation: '2026.08', production: '2026.08' }, systems: ['TraceLink'] },
  { key: 'snowflake', name: 'Snowflake', vendor: 'Snowflake Inc.', kind: 'data-hub', versions: { test: '9.20', validation: '9.20', production: '9.20' }, systems: ['Snowflake'] },
  { key: 'kinaxis-maestro', name: 'Kinaxis Maestro', vendor: 'Kinaxis Inc.', kind: 'control-tower', versions: { test: '2025.1', validation: '2025.1', production: '2025.1' }, systems: ['Kinaxis'] },
];

export const DEMO_SYSTEMS: DemoSystem[] = [
  { name: 'SAP S/4HANA', kind: 'erp', vendor: 'SAP SE', product: 'SAP S/4HANA Cloud, private edition', version: '2023 FPS02', gampCategory: 4, layer: 'source-system', owner: 'ERP Platform Team' },
  { name: 'Manhattan Active WM', kind: 'wms', vendor: 'Manhattan Associates', product: 'Manhattan Active Warehouse Management', version: '2025.2', gampCategory: 4, layer: 'source-system', owner: 'Warehouse Systems Team' },
  { name: 'TraceLink', kind: 'serialization', vendor: 'TraceLink Inc.', product: 'TraceLink Serialized Operations Manager', version: '2026.08', gampCategory: 4, layer: 'source-system', owner: 'Serialization & Traceability Team' },
  // The runtime is infrastructure, but the Mule applications (flows, DataWeave mappings) are built in-house.
  { name: 'MuleSoft', kind: 'integration-platform', vendor: 'Salesforce (MuleSoft)', product: 'MuleSoft Anypoint Platform (Mule Runtime)', version: '4.6', gampCategory: 5, layer: 'integration-platform', owner: 'Integration Platform Team' },
  { name: 'Confluent Kafka', kind: 'event-broker', vendor: 'Confluent', product: 'Confluent Platform', version: '7.6', gampCategory: 1, layer: 'event-streaming', owner: 'Event Streaming Platform Team' },
  { name: 'Snowflake', kind: 'data-hub', vendor: 'Snowflake Inc.', product: 'Snowflake AI Data Cloud (Enterprise Edition)', version: '9.20', gampCategory: 4, layer: 'data-hub-master-data', owner: 'Supply Chain Data & Analytics Team' },
  { name: 'Kinaxis', kind: 'control-tower', vendor: 'Kinaxis Inc.', product: 'Kinaxis Maestro', version: '2025.1', gampCategory: 4, layer: 'visibility-control-tower', owner: 'Supply Chain Visibility Team' },
  { name: 'Northstar Pharma Distribution', kind: 'trading-partner', vendor: 'Northstar Pharma Distribution, Inc.', product: 'Northstar Supplier Gateway (EPCIS 2.0 capture, AS2/X12)', version: '4.2', gampCategory: 3, layer: 'source-system', owner: 'Trade Relations (Customer Operations)' },
];

// The reference simulators of this server, on whatever address it listens (resolved at run time).
const TEST = 'self:/sim';
const VAL = 'https://val.example-pharma.internal';

export const DEMO_INTERFACES: DemoInterface[] = [
  {
    key: 'IF-ERP-WMS-001',
    name: 'Sales order release to the warehouse',
    sourceSystem: 'SAP S/4HANA',
    targetSystem: 'Manhattan Active WM',
    layer: 'integration-platform',
    pattern: 'rest-api',
    direction: 'unidirectional',
    messageTypes: ['SalesOrder'],
    dataDomains: ['orders', 'customer-master'],
    platforms: [P.mulesoft, P.s4hana, P.manhattan],
    gxpRelevant: true,
    intendedUse: 'Creates the outbound order in the WMS for each released sales order, with material, GTIN/NDC, quantity, batch and the GLN of the licensed ship-to. Supports GDP distribution: the WMS ships only what the order authorizes, to the authorized ship-to.',
    owner: 'ERP Integration Team',
    environments: { test: `${TEST}/wms`, validation: `${VAL}/wms`, faulty: `${TEST}/faulty/schema/wms` },
    contract: { format: 'openapi', file: 'erp-wms-sales-orders.openapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'supporting-gxp', processRisk: 'not-high', dataIntegrityImpact: 'transports-gxp-records' },
      gamp5: { severity: 'medium', probability: 'medium', detectability: 'high' },
    },
  },
  {
    key: 'IF-WMS-ERP-002',
    name: 'Pick and ship confirmations to the ERP',
    sourceSystem: 'Manhattan Active WM',
    targetSystem: 'SAP S/4HANA',
    layer: 'integration-platform',
    pattern: 'rest-api',
    direction: 'unidirectional',
    messageTypes: ['PickConfirmation', 'ShipmentConfirmation'],
    dataDomains: ['shipments', 'orders', 'inventory'],
    platforms: [P.mulesoft, P.manhattan, P.s4hana],
    gxpRelevant: true,
    intendedUse: 'Posts picked and shipped quantities per batch and SSCC to S/4HANA (delivery update and goods issue). The resulting batch-level distribution records (21 CFR 211.196) are the basis for recall and returns decisions.',
    owner: 'ERP Integration Team',
    environments: { test: `${TEST}/erp`, validation: `${VAL}/erp` },
    contract: { format: 'openapi', file: 'wms-erp-shipment-confirmations.openapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'not-high', dataIntegrityImpact: 'creates-or-modifies-gxp-records' },
      gamp5: { severity: 'medium', probability: 'medium', detectability: 'medium' },
    },
  },
  {
    key: 'IF-WMS-ERP-003',
    name: 'Goods receipt to the ERP (IDoc WMMBXY)',
    sourceSystem: 'Manhattan Active WM',
    targetSystem: 'SAP S/4HANA',
    layer: 'integration-platform',
    pattern: 'idoc',
    direction: 'unidirectional',
    messageTypes: ['GoodsReceipt'],
    dataDomains: ['inventory', 'orders'],
    platforms: [P.mulesoft, P.manhattan, P.s4hana],
    gxpRelevant: true,
    intendedUse: 'Posts goods receipts of finished product against purchase orders in S/4HANA, by batch with expiry, into quality-inspection stock. The stock type is what keeps unreleased batches from being shipped until QA release.',
    owner: 'ERP Integration Team',
    environments: { test: `${TEST}/erp`, validation: `${VAL}/erp` },
    contract: { format: 'openapi', file: 'wms-erp-goods-receipts.openapi.json' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'not-high', dataIntegrityImpact: 'creates-or-modifies-gxp-records' },
      gamp5: { severity: 'high', probability: 'low', detectability: 'medium' },
    },
  },
  {
    key: 'IF-ERP-SER-004',
    name: 'Product master (GTIN/NDC) to serialization',
    sourceSystem: 'SAP S/4HANA',
    targetSystem: 'TraceLink',
    layer: 'integration-platform',
    pattern: 'rest-api',
    direction: 'unidirectional',
    messageTypes: ['Product'],
    dataDomains: ['product-master'],
    platforms: [P.mulesoft, P.s4hana, P.tracelink],
    gxpRelevant: true,
    intendedUse: 'Maintains the serialized products in TraceLink from the S/4HANA material master: one record per GTIN and packaging level with its NDC, shelf life and serial number type. A wrong GTIN/NDC mapping would put wrong product identifiers on every serialized unit.',
    owner: 'Master Data Governance Team',
    environments: { test: `${TEST}/serialization`, validation: `${VAL}/serialization` },
    contract: { format: 'openapi', file: 'erp-ser-product-master.openapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'not-high', dataIntegrityImpact: 'creates-or-modifies-gxp-records' },
      gamp5: { severity: 'medium', probability: 'medium', detectability: 'medium' },
    },
  },
  {
    key: 'IF-ERP-SER-005',
    name: 'Location master (GLN) to serialization',
    sourceSystem: 'SAP S/4HANA',
    targetSystem: 'TraceLink',
    layer: 'integration-platform',
    pattern: 'rest-api',
    direction: 'unidirectional',
    messageTypes: ['Location'],
    dataDomains: ['location-master', 'partner-master'],
    platforms: [P.mulesoft, P.s4hana, P.tracelink],
    gxpRelevant: true,
    intendedUse: 'Maintains the GLN-keyed locations of own plants and distribution centres and of trading-partner ship-to and sold-to parties in TraceLink, with their state licences, so that serialization events and DSCSA documents name authorized trading partners.',
    owner: 'Master Data Governance Team',
    environments: { test: `${TEST}/serialization`, validation: `${VAL}/serialization` },
    contract: { format: 'openapi', file: 'erp-ser-location-master.openapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'supporting-gxp', processRisk: 'not-high', dataIntegrityImpact: 'creates-or-modifies-gxp-records' },
      gamp5: { severity: 'medium', probability: 'low', detectability: 'medium' },
    },
  },
  {
    key: 'IF-SER-WMS-006',
    name: 'Serial number provisioning to the warehouse',
    sourceSystem: 'TraceLink',
    targetSystem: 'Manhattan Active WM',
    layer: 'integration-platform',
    pattern: 'rest-api',
    direction: 'bidirectional',
    messageTypes: ['SerialNumberRequest', 'SerialNumberAllocation'],
    dataDomains: ['serialization-events', 'product-master'],
    platforms: [P.mulesoft, P.tracelink, P.manhattan],
    gxpRelevant: true,
    intendedUse: 'Allocates unique serial numbers (with SGTIN EPCs) from TraceLink to the WMS relabel and repack stations for a GTIN and lot. Unique, never-reused serials are a DSCSA product identifier requirement; a duplicate makes a unit unverifiable and unsaleable.',
    owner: 'Serialization & Traceability Team',
    environments: { test: `${TEST}/serialization`, validation: `${VAL}/serialization` },
    contract: { format: 'openapi', file: 'ser-wms-serial-number-provisioning.openapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'creates-or-modifies-gxp-records' },
      gamp5: { severity: 'high', probability: 'medium', detectability: 'medium' },
    },
  },
  {
    key: 'IF-SER-WMS-007',
    name: 'Commissioning events to the warehouse',
    sourceSystem: 'TraceLink',
    targetSystem: 'Manhattan Active WM',
    layer: 'event-streaming',
    pattern: 'event-stream',
    direction: 'unidirectional',
    messageTypes: ['ObjectEvent'],
    dataDomains: ['serialization-events'],
    platforms: [P.mulesoft, P.kafka, P.tracelink, P.manhattan],
    gxpRelevant: true,
    intendedUse: 'Streams the EPCIS commissioning and decommissioning events of serialized units (lot and expiry in the ILMD) from TraceLink over the event mesh to the WMS, which then receives, picks and ships only commissioned, active serial numbers.',
    owner: 'Serialization & Traceability Team',
    environments: { test: `${TEST}/event-broker`, validation: `${VAL}/kafka-rest` },
    contract: { format: 'asyncapi', file: 'ser-wms-commissioning-events.asyncapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' },
      gamp5: { severity: 'high', probability: 'medium', detectability: 'low' },
    },
  },
  {
    key: 'IF-WMS-SER-008',
    name: 'Aggregation events to serialization',
    sourceSystem: 'Manhattan Active WM',
    targetSystem: 'TraceLink',
    layer: 'event-streaming',
    pattern: 'event-stream',
    direction: 'unidirectional',
    messageTypes: ['AggregationEvent'],
    dataDomains: ['serialization-events'],
    platforms: [P.kafka, P.mulesoft, P.manhattan, P.tracelink],
    gxpRelevant: true,
    intendedUse: 'Publishes the EPCIS aggregation and disaggregation events (units into cases, cases onto SSCC pallets) from the WMS to TraceLink. The parent/child hierarchy is what the shipping events and DSCSA transaction information report; an unnoticed error surfaces only when the customer scans.',
    owner: 'Serialization & Traceability Team',
    environments: { test: `${TEST}/event-broker`, validation: `${VAL}/kafka-rest` },
    contract: { format: 'asyncapi', file: 'wms-ser-aggregation-events.asyncapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'creates-or-modifies-gxp-records' },
      gamp5: { severity: 'high', probability: 'medium', detectability: 'low' },
    },
  },
  {
    key: 'IF-SER-TP-009',
    name: 'EPCIS shipping events to the wholesaler',
    sourceSystem: 'TraceLink',
    targetSystem: 'Northstar Pharma Distribution',
    layer: 'integration-platform',
    pattern: 'rest-api',
    direction: 'unidirectional',
    messageTypes: ['EPCISDocument', 'ObjectEvent'],
    dataDomains: ['serialization-events', 'shipments'],
    platforms: [P.mulesoft, P.tracelink],
    gxpRelevant: true,
    intendedUse: 'Sends, for every shipment, the EPCIS 2.0 shipping event (SSCCs and SGTINs, source and destination parties, PO and despatch advice) to the wholesaler\'s EPCIS capture interface. It is the interoperable, electronic exchange of product tracing data that DSCSA requires at each change of ownership.',
    owner: 'Trading Partner Integration Team',
    environments: { test: `${TEST}/trading-partner`, validation: `${VAL}/partners/northstar/epcis`, faulty: `${TEST}/faulty/out-of-order/trading-partner` },
    contract: { format: 'openapi', file: 'ser-tp-epcis-shipping-events.openapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' },
      gamp5: { severity: 'high', probability: 'medium', detectability: 'low' },
    },
  },
  {
    key: 'IF-SER-TP-010',
    name: 'DSCSA transaction information and statement (T3) to the wholesaler',
    sourceSystem: 'TraceLink',
    targetSystem: 'Northstar Pharma Distribution',
    layer: 'integration-platform',
    pattern: 'edi',
    direction: 'unidirectional',
    messageTypes: ['TransactionInformation', 'TransactionStatement'],
    dataDomains: ['shipments', 'partner-master', 'serialization-events'],
    platforms: [P.mulesoft, P.tracelink],
    gxpRelevant: true,
    intendedUse: 'Delivers the DSCSA transaction information and transaction statement with the X12 856 advance ship notice for each change of ownership: product, NDC, lot, expiry, quantity, product identifiers and the parties. The wholesaler may not accept product without it.',
    owner: 'Trading Partner Integration Team',
    environments: { test: `${TEST}/trading-partner`, validation: `${VAL}/partners/northstar/edi` },
    contract: { format: 'json-schema', file: 'ser-tp-dscsa-transaction-information.schema.json' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' },
      gamp5: { severity: 'high', probability: 'low', detectability: 'medium' },
    },
  },
  {
    key: 'IF-WMS-EVT-011',
    name: 'Cold-chain telemetry on the event mesh',
    sourceSystem: 'Manhattan Active WM',
    targetSystem: 'Confluent Kafka',
    layer: 'event-streaming',
    pattern: 'event-stream',
    direction: 'unidirectional',
    messageTypes: ['TemperatureReading', 'TemperatureExcursion'],
    dataDomains: ['telemetry'],
    platforms: [P.kafka, P.manhattan],
    gxpRelevant: true,
    intendedUse: 'Publishes the temperature readings of the 2-8 °C cold rooms and reefer docks and the excursions detected on them, with the affected SSCCs and lots, to the event mesh. The readings are GDP storage records and the excursions drive quarantine and QA disposition of the affected product.',
    owner: 'Event Streaming Platform Team',
    environments: { test: `${TEST}/event-broker`, validation: `${VAL}/kafka-rest` },
    contract: { format: 'asyncapi', file: 'cold-chain-telemetry.asyncapi.yaml' },
    risk: {
      'fda-csa': { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' },
      gamp5: { severity: 'high', probability: 'medium', detectability: 'medium' },
    },
  },
  {
    key: 'IF-WMS-DH-012',
    name: 'WMS inventory snapshot to the data hub',
    sourceSystem: 'Manhattan Active WM',
    targetSystem: 'Snowflake',
    layer: 'data-hub-master-data',
    pattern: 'sftp-file-drop',
    direction: 'unidirectional',
    messageTypes: ['InventorySnapshot'],
    dataDomains: ['inventory'],
    platforms: [P.manhattan, P.snowflake],
    gxpRelevant: true,
    intendedUse: 'Drops an hourly inventory snapshot per site (item, GTIN, lot, expiry, inventory status, location) on the data-hub landing zone for reconciliation against ERP and serialization. A copy for analytics; release and disposition decisions are never taken on it.',
    owner: 'Supply Chain Data & Analytics Team',
    environments: { test: `${TEST}/data-hub`, validation: `${VAL}/data-hub/landing` },
    contract: { format: 'json-schema', file: 'wms-dh-inventory-snapshot.schema.json' },
    risk: {
      'fda-csa': { intendedUse: 'supporting-gxp', processRisk: 'not-high', dataIntegrityImpact: 'transports-gxp-records' },
      gamp5: { severity: 'low', probability: 'medium', detectability: 'high' },
    },
  },
  {
    key: 'IF-DH-CT-013',
    name: 'Supply chain exceptions to the control tower',
    sourceSystem: 'Snowflake',
    targetSystem: 'Kinaxis',
    layer: 'visibility-control-tower',
    pattern: 'batch-file',
    direction: 'unidirectional',
    messageTypes: ['SupplyChainException'],
    dataDomains: ['inventory', 'shipments', 'serialization-events', 'telemetry'],
    platforms: [P.mulesoft, P.snowflake, P.kinaxis],
    gxpRelevant: false,
    intendedUse: 'Feeds the cross-system exceptions found by the data hub (inventory mismatches, missing serialization events, excursions, late shipments) into the control tower\'s exception queue for routing. Operational visibility only: the GxP handling of each exception stays in the quality system.',
    owner: 'Supply Chain Visibility Team',
    environments: { test: `${TEST}/control-tower`, validation: `${VAL}/control-tower` },
    contract: { format: 'json-schema', file: 'dh-ct-supply-chain-exceptions.schema.json' },
    risk: {
      'fda-csa': { intendedUse: 'non-gxp', processRisk: 'not-high', dataIntegrityImpact: 'no-gxp-records' },
      gamp5: { severity: 'low', probability: 'low', detectability: 'high' },
    },
  },
  {
    key: 'IF-ERP-DH-014',
    name: 'ERP stock and batch extract to the data hub',
    sourceSystem: 'SAP S/4HANA',
    targetSystem: 'Snowflake',
    layer: 'data-hub-master-data',
    pattern: 'batch-file',
    direction: 'unidirectional',
    messageTypes: ['StockExtract'],
    dataDomains: ['inventory'],
    platforms: [P.mulesoft, P.s4hana, P.snowflake],
    gxpRelevant: false,
    intendedUse: 'Nightly extract of S/4HANA stock by plant, storage location, batch and stock type, with batch expiry and release status, loaded into the data hub for the ERP/WMS/serialization inventory reconciliation and reporting. Not used for any GxP decision.',
    owner: 'ERP Integration Team',
    environments: { test: `${TEST}/data-hub`, validation: `${VAL}/data-hub/landing` },
    contract: { format: 'json-schema', file: 'erp-dh-stock-extract.schema.json' },
    risk: {
      'fda-csa': { intendedUse: 'non-gxp', processRisk: 'not-high', dataIntegrityImpact: 'no-gxp-records' },
      gamp5: { severity: 'low', probability: 'low', detectability: 'high' },
    },
  },
];

/** Where an EPCIS query document holds its events. */
const QUERIED_EVENTS = '/epcisBody/queryResults/resultsBody/eventList';

/**
 * Scenarios a team wrote for an interface, beyond those drafted from its contract: what a contract's
 * examples cannot say. Keyed by interface; the demo names the drafted requirements each verifies.
 */
export const DEMO_SCENARIOS: Record<string, Array<Omit<ScenarioDefinition, 'requirements'>>> = {
  'IF-SER-TP-009': [
    {
      key: 'epcis-serial-history',
      name: "A serial's EPCIS history at the wholesaler is complete and in order (commissioning, packing, shipping)",
      description: 'DSCSA: the wholesaler must be able to trace each unit from commissioning to the shipment that delivered it.',
      category: 'positive',
      steps: [
        {
          name: 'Query the events of one serialized unit',
          operation: 'GET /events',
          query: { MATCH_epc: EPCIS_HISTORY_UNIT },
          expect: {
            status: 200,
            assertions: [{ pointer: QUERIED_EVENTS, length: 3 }],
            domainRules: { pointer: QUERIED_EVENTS, rules: ['epc-syntax', 'cbv-vocabulary', 'event-order', 'aggregation', 'dscsa-shipping'] },
          },
        },
      ],
    },
  ],
};
