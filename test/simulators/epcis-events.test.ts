// The trading partner's EPCIS query (GET /events): a serial's history that holds together under every
// domain rule, and, with fault=out-of-order, the same events in an impossible order that only the
// event-order rule can tell from the real thing.
import { expect } from 'chai';
import express from 'express';
import fs from 'node:fs';
import request from 'supertest';
import { compileContract, readContract } from '../../src/registry/contract-document.js';
import { applyDomainRules, DOMAIN_RULES, gs1CheckDigitValid } from '../../src/scenarios/domain-rules.js';
import { createSimulatorApp, DEMO_CONTRACTS_DIR } from '../../src/simulators/contract-simulator.js';
import { EPCIS_HISTORY_UNIT } from '../../src/simulators/epcis-events.js';

type Json = Record<string, any>;

const EVENTS = '/sim/trading-partner/events';
const PALLET = 'urn:epc:id:sscc:0312345.0000000001';
const eventsOf = (body: Json): Json[] => body.epcisBody.queryResults.resultsBody.eventList;
const violationsOf = (events: Json[]) => Object.fromEntries(applyDomainRules(events, DOMAIN_RULES).map((r) => [r.rule, r.violationCount]));
const stepOf = (event: Json) => String(event.bizStep).replace('urn:epcglobal:cbv:bizstep:', '');

describe('reference simulator: EPCIS event query', function () {
  this.timeout(60_000);
  const app = express().use('/sim', createSimulatorApp());
  let validate: (name: string) => ((body: unknown) => boolean) & { errors?: unknown };

  before(async () => {
    const contract = await readContract('openapi', fs.readFileSync(`${DEMO_CONTRACTS_DIR}ser-tp-epcis-shipping-events.openapi.yaml`, 'utf8'));
    const targets = compileContract(contract).targets;
    validate = (name) => targets.find((t) => t.name === name)!.validate;
  });

  it("answers a unit's history — commissioning, packing, shipping — valid against the contract and under every domain rule, the same each time", async () => {
    const response = await request(app).get(EVENTS).query({ MATCH_epc: EPCIS_HISTORY_UNIT });
    expect(response.status).to.equal(200);
    const valid = validate('GET /events → 200');
    expect(valid(response.body), JSON.stringify(valid.errors)).to.equal(true);
    expect(response.body).to.include({ type: 'EPCISQueryDocument', schemaVersion: '2.0' });
    const events = eventsOf(response.body);
    expect(events.map(stepOf)).to.deep.equal(['commissioning', 'packing', 'shipping']);
    expect(events.map((e) => Date.parse(e.eventTime))).to.satisfy((times: number[]) => times.every((t, i) => i === 0 || t > times[i - 1]!));
    expect(violationsOf(events)).to.deep.equal(Object.fromEntries(DOMAIN_RULES.map((rule) => [rule, 0])));

    const [commissioning, packing, shipping] = events as [Json, Json, Json];
    expect(commissioning.epcList).to.include(EPCIS_HISTORY_UNIT);
    expect(commissioning.ilmd).to.have.keys('cbvmda:lotNumber', 'cbvmda:itemExpirationDate');
    expect(packing).to.include({ type: 'AggregationEvent', action: 'ADD', parentID: PALLET });
    expect(packing.childEPCs).to.deep.equal(commissioning.epcList);
    expect(shipping.epcList).to.deep.equal([PALLET]);
    expect(shipping.sourceList.map((s: Json) => s.type)).to.include('owning_party');
    expect(shipping.destinationList.map((d: Json) => d.type)).to.include('owning_party');
    // EPC syntax and GS1 check digits are the rules above; the parties' GLNs in the transactions, here.
    for (const epc of commissioning.epcList as string[]) expect(epc).to.match(/^urn:epc:id:sgtin:0312345\.067890\.\d+$/);
    const glns = shipping.bizTransactionList.map((t: Json) => /^urn:epcglobal:cbv:bt:(\d{13}):/.exec(t.bizTransaction)![1]);
    expect(glns.length).to.be.at.least(1);
    for (const gln of glns) expect(gs1CheckDigitValid(gln), gln).to.equal(true);

    expect((await request(app).get(EVENTS).query({ MATCH_epc: EPCIS_HISTORY_UNIT })).body, 'deterministic').to.deep.equal(response.body);
  });

  it('answers fault=out-of-order with the same events, still valid against the contract, that only event-order refuses', async () => {
    const good = eventsOf((await request(app).get(EVENTS).query({ MATCH_epc: EPCIS_HISTORY_UNIT })).body);
    const response = await request(app).get(EVENTS).query({ MATCH_epc: EPCIS_HISTORY_UNIT, fault: 'out-of-order' });
    expect(response.status).to.equal(200);
    const valid = validate('GET /events → 200');
    expect(valid(response.body), JSON.stringify(valid.errors)).to.equal(true);
    const events = eventsOf(response.body);
    expect(events.map((e) => e.eventID)).to.have.members(good.map((e) => e.eventID));
    const sorted = [...events].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
    expect(sorted.map(stepOf), 'in time, shipped first and commissioned last').to.deep.equal(['shipping', 'packing', 'commissioning']);
    const violations = violationsOf(events);
    expect(violations['event-order']).to.be.greaterThan(0);
    expect({ ...violations, 'event-order': 0 }).to.deep.equal(Object.fromEntries(DOMAIN_RULES.map((rule) => [rule, 0])));
    // The header works as well as the query parameter.
    expect(eventsOf((await request(app).get(EVENTS).query({ MATCH_epc: EPCIS_HISTORY_UNIT }).set('X-Sim-Fault', 'out-of-order')).body)).to.deep.equal(events);
  });

  it('narrows the events by MATCH_epc (following the pallet) and EQ_bizStep, and refuses a MATCH_epc that is no EPC with the contract’s 400', async () => {
    expect(eventsOf((await request(app).get(EVENTS).query({ MATCH_epc: PALLET })).body).map(stepOf)).to.deep.equal(['packing', 'shipping']);
    expect(eventsOf((await request(app).get(EVENTS).query({ MATCH_epc: EPCIS_HISTORY_UNIT, EQ_bizStep: 'shipping' })).body).map(stepOf)).to.deep.equal(['shipping']);
    expect(eventsOf((await request(app).get(EVENTS).query({ MATCH_epc: 'urn:epc:id:sgtin:0312345.067890.99999999' })).body)).to.deep.equal([]);
    const refused = await request(app).get(EVENTS).query({ MATCH_epc: 'not-an-epc' });
    expect(refused.status).to.equal(400);
    expect(validate('GET /events → 400')(refused.body)).to.equal(true);
    expect(refused.body.detail).to.include('not-an-epc');
  });
});
