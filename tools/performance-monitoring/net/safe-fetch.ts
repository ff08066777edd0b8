// One HTTP request that carries a secret (the service-role key, a webhook URL): redirects are
// followed only within the origin it was meant for, and the body is read under a ceiling.
// fetch itself strips Authorization on a cross-origin redirect but not `apikey`, and a webhook's
// payload would go wherever the redirect points, so redirects are handled here by hand.
import { boundedResponse } from './body.js';

/** Same-origin hops followed at most (a proxy adding a slash, a moved path); fetch allows 20. */
export const MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A request the tool will not make, or a redirect it will not follow. Never retried: the
 *  next attempt would meet the same answer. */
export class RequestRefused extends Error {
  constructor(
    message: string,
    /** Refused because of a redirect (rather than the request itself). */
    readonly redirect = true,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}

/** The request as sent to the next hop; 303, and 301/302 after a POST, become a GET (as fetch does). */
function nextInit(init: RequestInit, status: number): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase();
  const keepsBody = status === 307 || status === 308 || ((status === 301 || status === 302) && method !== 'POST');
  if (keepsBody || method === 'GET' || method === 'HEAD') return init;
  const headers = new Headers(init.headers);
  for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  return { ...init, method: 'GET', body: null, headers };
}

/** safeFetch with the body still unread (the caller reads it with boundedResponse). */
export async function followSafely(input: string | URL, init: RequestInit = {}): Promise<Response> {
  let url = new URL(input);
  // fetch throws on these at once; say so plainly, and without echoing the URL.
  if (url.username || url.password)
    throw new RequestRefused('the URL contains a user name or password (user:password@), which fetch refuses', false);
  const origin = url.origin;
  let request: RequestInit = { ...init, redirect: 'manual' };
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, request);
    const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
    if (location === null) return response;
    await response.body?.cancel().catch(() => {});
    const target = URL.canParse(location, url) ? new URL(location, url) : null;
    if (target === null) throw new RequestRefused(`a redirect (HTTP ${response.status}) to an unreadable location`);
    if (target.origin !== origin) {
      // The origin only: a path or query could carry something the user should not paste around.
      throw new RequestRefused(`refused to follow a redirect (HTTP ${response.status}) to another origin, ${target.origin}`);
    }
    if (init.redirect === 'error') throw new RequestRefused(`refused a redirect (HTTP ${response.status}) within ${origin}`);
    if (hop >= MAX_REDIRECTS) throw new RequestRefused(`more than ${MAX_REDIRECTS} redirects within ${origin}`);
    request = { ...nextInit(request, response.status), redirect: 'manual' };
    url = target;
  }
}

/** A fetch for requests that carry a secret: followSafely, then the body read under its ceiling. */
export async function safeFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  return boundedResponse(await followSafely(input, init));
}
