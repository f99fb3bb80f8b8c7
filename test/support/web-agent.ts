// A browser-like client for page tests: supertest's agent keeps the session cookie, and the form
// token (CSRF) is read from the page the way a browser's form would carry it.
import request from 'supertest';
import type { Express } from 'express';
import { TEST_PASSWORD } from './test-workbench.js';

export type Agent = ReturnType<typeof request.agent>;

export interface WebSession {
  agent: Agent;
  /** The form token of this session, as every page's forms carry it. */
  csrf: string;
  /** Posts a form as the browser would: urlencoded, with the form token. */
  post(path: string, fields?: Record<string, string | string[]>): Promise<request.Response>;
  get(path: string): Promise<request.Response>;
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no form token on this page');
  return match[1]!;
}

/** Signs in through the sign-in form and returns the signed-in browser. */
export async function signInWeb(app: Express, username: string, password = TEST_PASSWORD): Promise<WebSession> {
  const agent = request.agent(app);
  const form = await agent.get('/sign-in').accept('html');
  const signIn = await agent.post('/sign-in').type('form').send({ _csrf: csrfOf(form.text), username, password });
  if (signIn.status !== 303 || signIn.headers.location !== '/') throw new Error(`web sign-in of ${username} failed: ${signIn.status} ${signIn.text.slice(0, 300)}`);
  const home = await agent.get('/account').accept('html');
  const csrf = csrfOf(home.text);
  return {
    agent,
    csrf,
    post: (path, fields = {}) => agent.post(path).type('form').accept('html').send(new URLSearchParams(flatten({ _csrf: csrf, ...fields })).toString()),
    get: (path) => agent.get(path).accept('html'),
  };
}

function flatten(fields: Record<string, string | string[]>): Array<[string, string]> {
  return Object.entries(fields).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v] as [string, string]) : [[name, value] as [string, string]]));
}

/** HTML text with the entities Handlebars writes turned back into characters, for matching. */
export function decoded(html: string): string {
  return html
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
