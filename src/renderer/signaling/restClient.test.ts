import { describe, expect, it, vi } from 'vitest';
import { ApiRequestError, createRestClient } from './restClient.ts';

const CALL = '10000000-0000-4000-8000-000000000001';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function client(
  respond: (url: string, init: RequestInit) => Response | Promise<Response>,
  token: string | null = 'tok',
) {
  const fetch = vi.fn(async (url: string, init: RequestInit) => respond(url, init));
  const onUnauthorized = vi.fn();
  const api = createRestClient({
    baseUrl: 'https://calls.example.com/',
    getToken: () => token,
    onUnauthorized,
    fetch: fetch as unknown as typeof globalThis.fetch,
  });
  return { api, fetch, onUnauthorized };
}

describe('REST client', () => {
  it('sends the bearer token and JSON body, and returns the parsed answer', async () => {
    const { api, fetch } = client(() =>
      json(200, { callId: CALL, status: 'active', startedAt: '2025-01-10T14:30:00Z' }),
    );
    await expect(api.answerCall(CALL, { deviceId: 'device-1234' })).resolves.toEqual({
      callId: CALL,
      status: 'active',
      startedAt: '2025-01-10T14:30:00Z',
    });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(`https://calls.example.com/api/calls/${CALL}/answer`);
    expect(init.headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'application/json' });
    expect(JSON.parse(String(init.body))).toEqual({ deviceId: 'device-1234' });
  });

  it("surfaces the server's error code, message and field", async () => {
    const { api } = client(() =>
      json(400, {
        error: { code: 'bad_request', message: 'conversationId: invalid', field: 'conversationId' },
      }),
    );
    const error = await api.initiateCall({ conversationId: 'x', type: 'video' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({
      code: 'bad_request',
      message: 'conversationId: invalid',
      field: 'conversationId',
      status: 400,
    });
  });

  it('refuses an answer that does not match the contract, naming where', async () => {
    const { api } = client(() => json(200, { callId: CALL, status: 'dancing' }));
    await expect(api.answerCall(CALL, {})).rejects.toMatchObject({
      code: 'bad_response',
      message: expect.stringContaining('status'),
    });
  });

  it('reports an unreachable server without a stack trace', async () => {
    const { api } = client(() => Promise.reject(new TypeError('fetch failed')));
    await expect(api.me()).rejects.toMatchObject({
      code: 'network',
      message: 'Cannot reach the server at https://calls.example.com',
    });
  });

  it('signs the user out when the server rejects the token, but not on a failed login', async () => {
    const unauthorized = json(401, { error: { code: 'unauthorized', message: 'bad token' } });
    const signedIn = client(() => unauthorized.clone());
    await expect(signedIn.api.me()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(signedIn.onUnauthorized).toHaveBeenCalledOnce();

    const signingIn = client(() => unauthorized.clone(), null);
    await expect(signingIn.api.login({ email: 'a@example.com', password: 'x' })).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(signingIn.onUnauthorized).not.toHaveBeenCalled();
  });
});
