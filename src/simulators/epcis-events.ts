// The trading partner's EPCIS repository, as the reference simulator answers `GET /events`: the life of
// one shipment — three units of the demo product commissioned with lot and expiry, packed onto a
// pallet (SSCC), the pallet shipped to the wholesaler with the DSCSA parties and transactions. A schema
// cannot generate this: the events must name the same serials, in an order a serial can live through,
// so it is written out here, fixed, and every call answers the same history.
//
// `fault=out-of-order` answers the very same events with their times turned round (shipped first,
// commissioned last): still valid against the contract, so only the domain rules (event-order) can
// catch it.
import type { ScriptedAnswer, ScriptedRequest } from './scripted-answers.js';

// GS1 keys of the demo (check digits valid): GTIN 00312345678906, SSCC 003123450000000011; GLNs
// 0312345000028 (plant), 0312345000011 (distribution centre), 0312345000004 (the manufacturer),
// 0860001000016 and 0860001000023 (the wholesaler's DC and head office). EPC URIs carry no check digit
// (GS1 Tag Data Standard §6.3): the SGTIN's item reference starts with the GTIN's indicator digit.
const UNITS = ['10016245', '10016246', '10016247'].map((serial) => `urn:epc:id:sgtin:0312345.067890.${serial}`);
const PALLET = 'urn:epc:id:sscc:0312345.0000000001';
const PLANT = 'urn:epc:id:sgln:0312345.00002.0';
const DISTRIBUTION_CENTRE = 'urn:epc:id:sgln:0312345.00001.0';

/** The SGTIN of a unit whose history the repository holds (the demo's scenario queries it). */
export const EPCIS_HISTORY_UNIT = UNITS[0]!;

type EpcisEvent = Record<string, unknown> & { type: string; eventTime: string; bizStep: string };

/** Commissioning → packing → shipping, in time order. */
const HISTORY: readonly EpcisEvent[] = [
  {
    type: 'ObjectEvent',
    eventID: 'urn:uuid:0b6e4f7a-1c2d-4e3f-8a9b-0c1d2e3f4a01',
    eventTime: '2026-02-26T13:00:00.000Z',
    eventTimeZoneOffset: '-05:00',
    epcList: UNITS,
    action: 'ADD',
    bizStep: 'urn:epcglobal:cbv:bizstep:commissioning',
    disposition: 'urn:epcglobal:cbv:disp:active',
    readPoint: { id: 'urn:epc:id:sgln:0312345.00002.LINE3' },
    bizLocation: { id: PLANT },
    ilmd: { 'cbvmda:lotNumber': 'L2406A', 'cbvmda:itemExpirationDate': '2027-05-31' },
  },
  {
    type: 'AggregationEvent',
    eventID: 'urn:uuid:0b6e4f7a-1c2d-4e3f-8a9b-0c1d2e3f4a02',
    eventTime: '2026-02-26T13:20:00.000Z',
    eventTimeZoneOffset: '-05:00',
    parentID: PALLET,
    childEPCs: UNITS,
    action: 'ADD',
    bizStep: 'urn:epcglobal:cbv:bizstep:packing',
    disposition: 'urn:epcglobal:cbv:disp:in_progress',
    readPoint: { id: 'urn:epc:id:sgln:0312345.00002.PACK1' },
    bizLocation: { id: PLANT },
  },
  {
    type: 'ObjectEvent',
    eventID: 'urn:uuid:0b6e4f7a-1c2d-4e3f-8a9b-0c1d2e3f4a03',
    eventTime: '2026-03-01T15:40:00.000Z',
    eventTimeZoneOffset: '-05:00',
    epcList: [PALLET],
    action: 'OBSERVE',
    bizStep: 'urn:epcglobal:cbv:bizstep:shipping',
    disposition: 'urn:epcglobal:cbv:disp:in_transit',
    readPoint: { id: 'urn:epc:id:sgln:0312345.00001.DOCK2' },
    bizLocation: { id: DISTRIBUTION_CENTRE },
    // DSCSA transaction information: whom ownership passes from and to, and the documents of the sale.
    bizTransactionList: [
      { type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:0860001000023:PO-77120' },
      { type: 'desadv', bizTransaction: 'urn:epcglobal:cbv:bt:0312345000011:SHP-2026-000871' },
    ],
    sourceList: [
      { type: 'owning_party', source: 'urn:epc:id:sgln:0312345.00000.0' },
      { type: 'location', source: DISTRIBUTION_CENTRE },
    ],
    destinationList: [
      { type: 'owning_party', destination: 'urn:epc:id:sgln:0860001.00002.0' },
      { type: 'location', destination: 'urn:epc:id:sgln:0860001.00001.0' },
    ],
  },
];

/** The same events, the times turned round: the pallet ships before its units are commissioned. */
function outOfOrder(events: readonly EpcisEvent[]): EpcisEvent[] {
  const times = events.map((event) => event.eventTime).reverse();
  return events.map((event, i) => ({ ...event, eventTime: times[i]! })).reverse();
}

const EPC = /^urn:epc:id:(sgtin:\d{6,12}\.\d{1,7}\.[0-9A-Za-z]{1,20}|sscc:\d{6,12}\.\d{5,11})$/;
const BIZ_STEP_URN = 'urn:epcglobal:cbv:bizstep:';

/** EPCIS 2.0 REST query parameters take one value or several separated by '|'. */
function valuesOf(parameter: string | string[] | undefined): string[] {
  return [parameter ?? []].flat().flatMap((value) => value.split('|')).filter((value) => value !== '');
}

/** Whether an event names one of the EPCs (epcList, parentID, childEPCs) or a container they were packed into: a DSCSA trace follows the pallet. */
function matchesEpcs(event: EpcisEvent, wanted: Set<string>, history: readonly EpcisEvent[]): boolean {
  const named = [...((event.epcList as string[] | undefined) ?? []), ...(typeof event.parentID === 'string' ? [event.parentID] : []), ...((event.childEPCs as string[] | undefined) ?? [])];
  if (named.some((epc) => wanted.has(epc))) return true;
  const containers = history.filter((e) => e.type === 'AggregationEvent' && (e.childEPCs as string[]).some((child) => wanted.has(child))).map((e) => e.parentID as string);
  return named.some((epc) => containers.includes(epc));
}

/** `GET /events`: the repository's events, narrowed by MATCH_epc and EQ_bizStep, as an EPCIS query document. */
export function answerEventQuery({ query, fault }: ScriptedRequest): ScriptedAnswer {
  const epcs = valuesOf(query.MATCH_epc);
  const malformed = epcs.find((epc) => !EPC.test(epc));
  if (malformed !== undefined) {
    return { status: '400', body: { type: 'epcisException:QueryParameterException', title: 'Invalid query parameter', status: 400, detail: `MATCH_epc '${malformed.slice(0, 80)}' is not an SGTIN or SSCC EPC URI.` } };
  }
  const bizSteps = new Set(valuesOf(query.EQ_bizStep).map((step) => (step.startsWith(BIZ_STEP_URN) ? step : `${BIZ_STEP_URN}${step}`)));
  const history = fault === 'out-of-order' ? outOfOrder(HISTORY) : HISTORY;
  const wanted = new Set(epcs);
  const eventList = history.filter((event) => (wanted.size === 0 || matchesEpcs(event, wanted, history)) && (bizSteps.size === 0 || bizSteps.has(event.bizStep)));
  return {
    status: '200',
    body: {
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
      type: 'EPCISQueryDocument',
      schemaVersion: '2.0',
      creationDate: '2026-03-02T09:00:00.000Z',
      epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList } } },
    },
  };
}
