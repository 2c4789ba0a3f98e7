// Server URLs and credentials: a URL's own user:password becomes basic auth (and leaves the URL),
// so no credential is ever part of a URL we print or send in a request line.
import { Redactor } from './redact.js';

export interface Credentials {
  /** Sent as `Authorization: Bearer <token>`. */
  authToken?: string;
  /** Sent as `Authorization: Basic base64(user:password)`. */
  basicAuth?: { user: string; password: string };
}

export interface Endpoint {
  /** Base URL without credentials, without a trailing slash. */
  base: string;
  credentials: Credentials;
}

function b64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Splits credentials out of a server URL; throws a clear error for a URL that is not http(s). */
export function parseEndpoint(url: string, credentials: Credentials, what: string): Endpoint {
  let u: URL;
  try { u = new URL(url); } catch { throw new Error(`${what} ${JSON.stringify(new Redactor().redact(url))} is not a URL (expected http://host:port or https://host:port)`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${what} must be http:// or https:// (got ${u.protocol})`);
  if (u.search || u.hash) throw new Error(`${what} must not have a query or fragment`);
  const creds: Credentials = { ...credentials };
  if (u.username || u.password) {
    if (creds.authToken || creds.basicAuth) throw new Error(`${what} has user:password in it and credentials are also given separately; use one`);
    creds.basicAuth = { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
  }
  if (creds.authToken && creds.basicAuth) throw new Error(`${what}: give either a bearer token or basic auth, not both`);
  return { base: u.toString().replace(/\/+$/, ''), credentials: creds };
}

export function authHeaders(c: Credentials): Record<string, string> {
  if (c.authToken) return { authorization: `Bearer ${c.authToken}` };
  if (c.basicAuth) return { authorization: `Basic ${b64(`${c.basicAuth.user}:${c.basicAuth.password}`)}` };
  return {};
}

export function redactorFor(c: Credentials, more: ReadonlyArray<string | undefined> = []): Redactor {
  const r = new Redactor([c.authToken, ...more]);
  if (c.basicAuth) r.addBasic(c.basicAuth.user, c.basicAuth.password);
  return r;
}
