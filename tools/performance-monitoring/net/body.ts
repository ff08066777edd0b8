// Response bodies read with a ceiling, so a server cannot make the tool hold (or print) an
// answer of any size: error bodies keep a prefix, success bodies over the limit are refused.

/** Enough for any PostgREST or Slack error (well under 1 KiB) and for a proxy's HTML page. */
export const ERROR_BODY_BYTES = 64 * 1024;
/**
 * A fallback page is 1,000 rows of ~0.3-2 KiB (message included), an RPC answer a few rows per
 * service: 32 MiB is 15x the largest real page seen, and still small for the JSON parse.
 */
export const SUCCESS_BODY_BYTES = 32 * 1024 * 1024;

/** A success answer larger than SUCCESS_BODY_BYTES: not what the tool asked for. Not retried. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${Math.round(limit / 1024 / 1024)} MiB, far more than a page of rows`);
    this.name = 'BodyTooLarge';
  }
}

/** At most `limit` bytes of the body; whether more was left unread (the stream is cancelled). */
export async function readBounded(response: Response, limit: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(new ArrayBuffer(0)), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size += room;
      // Stop the transfer: the rest is never read (the connection is closed).
      await reader.cancel().catch(() => {});
      return { bytes: concat(chunks, size), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { bytes: concat(chunks, size), truncated: false };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The body under its ceiling: an error keeps its first ERROR_BODY_BYTES, a success larger
 *  than SUCCESS_BODY_BYTES throws BodyTooLarge. */
export async function readBody(response: Response): Promise<Uint8Array<ArrayBuffer>> {
  const error = response.status >= 400;
  const { bytes, truncated } = await readBounded(response, error ? ERROR_BODY_BYTES : SUCCESS_BODY_BYTES);
  if (!error && truncated) throw new BodyTooLarge(SUCCESS_BODY_BYTES);
  return bytes;
}

/** The response again, with a body already read. */
export function withBody(response: Response, bytes: Uint8Array<ArrayBuffer>): Response {
  const headers = new Headers(response.headers);
  // The body is decoded (and maybe cut): its original length and encoding no longer apply.
  headers.delete('content-length');
  headers.delete('content-encoding');
  const body = response.status === 204 || response.status === 304 ? null : bytes;
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

export async function boundedResponse(response: Response): Promise<Response> {
  return withBody(response, await readBody(response));
}
