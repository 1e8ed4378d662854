// The accounts API as the sign-in, welcome and people pages use it: JSON bodies in protobuf's
// JSON mapping, read with the generated schemas; the session is an HttpOnly cookie the browser
// keeps and sends by itself, so no page ever holds a secret. Every refusal becomes an HttpError
// with the server's own sentence, which the pages show as it is.
import { fromJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { AccountEntrySchema, AccountListSchema, MeSchema, OneTimeLinkSchema, type AccountEntry, type Me, type OneTimeLink } from '@gen/dyad/v1/api_pb';
import { HttpError } from './dom';
import { apiUrl, appUrl, homeUrl, peopleUrl } from './urls';

export type { AccountEntry, Me, OneTimeLink };
export type Role = 'organiser' | 'facilitator';

/** Said instead of the browser's own words when the server cannot be reached at all. */
const UNREACHABLE = 'The Dyad server could not be reached; check your network connection and try again.';

/** Sends one request and reads its answer with `schema`. A refusal is an HttpError carrying the
 *  server's sentence; a network failure is an HttpError with status 0. */
export async function call<D extends DescMessage>(schema: D, method: string, path: string, body?: object, signal?: AbortSignal): Promise<MessageShape<D>> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      cache: 'no-store',
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal,
    });
  } catch (e) {
    // A request the page called off (a newer check replaces it) stays an abort.
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new HttpError(0, UNREACHABLE);
  }
  let json: JsonValue = null;
  try {
    json = (await res.json()) as JsonValue;
  } catch {
    /* not JSON: the status says enough */
  }
  if (!res.ok) {
    const message = json && typeof json === 'object' && !Array.isArray(json) && typeof json.message === 'string'
      ? json.message : `The server answered ${res.status} ${res.statusText}; try again in a moment.`;
    throw new HttpError(res.status, message);
  }
  return fromJson(schema, json, { ignoreUnknownFields: true });
}

/** What to show for any failure: the server's sentence, or the page's own for anything else. */
export function sentenceOf(e: unknown): string {
  if (e instanceof HttpError) return e.message;
  return e instanceof Error && e.message ? e.message : String(e);
}

export function isSignedOut(e: unknown): boolean {
  return e instanceof HttpError && e.status === 401;
}

/** Who is signed in in this browser; null when no one is (or the session has ended). */
export async function whoAmI(): Promise<Me | null> {
  try {
    return await call(MeSchema, 'GET', 'me');
  } catch (e) {
    if (isSignedOut(e)) return null;
    throw e;
  }
}

export const signIn = (email: string, password: string) => call(MeSchema, 'POST', 'session', { email, password });
export const signOut = () => call(MeSchema, 'DELETE', 'session');
export const signOutEverywhere = () => call(MeSchema, 'POST', 'session/everywhere');
export const checkLink = (token: string) => call(MeSchema, 'POST', 'links/check', { token });
export const redeemLink = (token: string, password: string) => call(MeSchema, 'POST', 'links/redeem', { token, password });

export async function listAccounts(): Promise<AccountEntry[]> {
  return (await call(AccountListSchema, 'GET', 'accounts')).accounts;
}
export const invite = (email: string, role: Role) => call(OneTimeLinkSchema, 'POST', 'accounts', { email, role });
export const newLink = (id: string) => call(OneTimeLinkSchema, 'POST', `accounts/${encodeURIComponent(id)}/link`);
export const changeRole = (id: string, role: Role) => call(AccountEntrySchema, 'PATCH', `accounts/${encodeURIComponent(id)}`, { role });
export const removeAccount = (id: string) => call(AccountEntrySchema, 'DELETE', `accounts/${encodeURIComponent(id)}`);

export function isOrganiser(me: Me): boolean {
  return me.role === 'organiser';
}

/** "an organiser", "a facilitator": for sentences such as "You are signed in as X, an organiser." */
export function roleWithArticle(role: string): string {
  return role === 'organiser' ? 'an organiser' : role === 'facilitator' ? 'a facilitator' : role;
}

/** "Organiser", "Facilitator". */
export function roleTitle(role: string): string {
  return role ? role[0].toUpperCase() + role.slice(1) : role;
}

/**
 * Where to go after signing in: `next` when it names a page of this app (a relative path such as
 * "people" or "/people", resolved inside the app's base so it never leaves the site or the path
 * prefix); otherwise the people page for an organiser and the front page for anyone else.
 */
export function afterSignIn(me: Me, next: string | null): string {
  const fallback = isOrganiser(me) ? peopleUrl() : homeUrl();
  if (!next || /^[a-z][a-z0-9+.-]*:/i.test(next) || next.startsWith('//') || next.includes('\\')) return fallback;
  let target: URL;
  try {
    target = new URL(appUrl(next));
  } catch {
    return fallback;
  }
  const base = new URL(homeUrl());
  if (target.origin !== location.origin || !target.pathname.startsWith(base.pathname)) return fallback;
  return target.href;
}
