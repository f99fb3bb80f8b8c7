// Simulated operations whose answer cannot be generated from the response schema: the answer must
// hold together across its parts (an EPCIS event history names the same serials, in an order they can
// live through). Keyed by simulated system and operation; every other operation is answered
// generically by the contract simulator.
import type { Fault } from './contract-simulator.js';
import { answerEventQuery } from './epcis-events.js';

export interface ScriptedRequest {
  query: Record<string, string | string[] | undefined>;
  /** The fault asked for; drop, slow and status are applied before the script runs, schema after. */
  fault: Fault | null;
}

export interface ScriptedAnswer {
  /** A status of the operation in its contract, e.g. '200'. */
  status: string;
  body: unknown;
}

export type ScriptedOperation = (request: ScriptedRequest) => ScriptedAnswer;

/** '<system> <METHOD> <path template>' → its script. */
export const SCRIPTED_ANSWERS: ReadonlyMap<string, ScriptedOperation> = new Map([['trading-partner GET /events', answerEventQuery]]);
