import { describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS, type InvokeChannel } from '../../shared/ipc.ts';
import type { Logger } from '../log.ts';
import { ok, okVoid } from '../result.ts';
import { defaultSettings } from '../services/settings.service.ts';
import {
  createIpcRouter,
  registerIpc,
  type IpcHandlers,
  type IpcInvokeEvent,
  type IpcMainPort,
} from './registerIpc.ts';

const APP_WINDOW = 7;
const SETTINGS = defaultSettings(null);

function event(
  overrides: { id?: number; url?: string; parent?: unknown; frame?: null } = {},
): IpcInvokeEvent {
  return {
    sender: { id: overrides.id ?? APP_WINDOW },
    senderFrame:
      overrides.frame === null
        ? null
        : { url: overrides.url ?? 'app://callbridge/index.html#/calls', parent: overrides.parent ?? null },
  };
}

function setup() {
  const lines: string[] = [];
  const log: Logger = {
    info: () => {},
    warn: (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields)}`),
    error: (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields)}`),
  };
  const calls: Array<[string, unknown]> = [];
  const track =
    <C extends InvokeChannel>(channel: C, answer: ReturnType<IpcHandlers[C]>) =>
    (payload: unknown) => {
      calls.push([channel, payload]);
      return answer;
    };
  const handlers = {
    'desktop:screen-picker:choose': track('desktop:screen-picker:choose', okVoid),
    'desktop:screen-picker:open-permission-settings': track(
      'desktop:screen-picker:open-permission-settings',
      okVoid,
    ),
    'desktop:history:list': track('desktop:history:list', ok({ entries: [], nextCursor: null })),
    'desktop:history:record': track('desktop:history:record', okVoid),
    'desktop:history:merge': track('desktop:history:merge', ok({ added: 0 })),
    'desktop:history:mark-seen': track('desktop:history:mark-seen', okVoid),
    'desktop:history:delete': () => {
      throw new Error('disk I/O error at /home/alice/.config/CallBridge/history.sqlite3');
    },
    'desktop:history:clear': track('desktop:history:clear', okVoid),
    'desktop:settings:get': track('desktop:settings:get', ok(SETTINGS)),
    'desktop:settings:update': track('desktop:settings:update', ok(SETTINGS)),
    'desktop:session:get': track('desktop:session:get', ok(null)),
    'desktop:session:save': track('desktop:session:save', ok({ persisted: true as const })),
    'desktop:session:clear': track('desktop:session:clear', okVoid),
    'desktop:screen-share:ended': track('desktop:screen-share:ended', okVoid),
    'desktop:presence:set': track('desktop:presence:set', okVoid),
    'desktop:missed-call:notify': track('desktop:missed-call:notify', okVoid),
    'desktop:recording:save': track('desktop:recording:save', ok({ saved: false as const })),
  } satisfies IpcHandlers;
  const router = createIpcRouter(handlers, new Set([APP_WINDOW]), log);
  return { router, calls, lines };
}

describe('IPC router', () => {
  it('answers a well-formed call from the app window with the handler’s result, defaults applied', async () => {
    const { router, calls } = setup();
    const answer = await router('desktop:history:list', event(), [{ search: 'ali' }]);
    expect(answer).toEqual({ ok: true, value: { entries: [], nextCursor: null } });
    expect(calls).toEqual([
      ['desktop:history:list', { cursor: null, limit: 50, search: 'ali', missedOnly: false }],
    ]);
  });

  it('refuses an unknown channel', async () => {
    const { router, calls } = setup();
    for (const channel of ['desktop:shell:exec', 'electron-store-get-data', '__proto__', 'toString']) {
      expect(await router(channel, event(), [])).toMatchObject({
        ok: false,
        error: { code: 'unknown_channel' },
      });
    }
    expect(calls).toEqual([]);
  });

  it('refuses a bad payload, naming the field, without calling the handler', async () => {
    const { router, calls } = setup();
    expect(await router('desktop:history:list', event(), [{ limit: 10_000 }])).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/^desktop:history:list: limit: /) },
    });
    expect(await router('desktop:settings:update', event(), [{ serverUrlLocked: false }])).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(await router('desktop:history:delete', event(), ['../../etc'])).toMatchObject({ ok: false });
    // Main downloads a recording with the session's token: only the server's own recording route.
    for (const address of [
      'https://evil.example/api/calls/00000000-0000-4000-8000-000000000001/recording',
      '/api/calls/00000000-0000-4000-8000-000000000001/recording/../../../users/me',
      '/api/users/me',
      '//evil.example/api/calls/00000000-0000-4000-8000-000000000001/recording',
    ]) {
      expect(await router('desktop:recording:save', event(), [address])).toMatchObject({
        ok: false,
        error: { code: 'bad_request' },
      });
    }
    expect(await router('desktop:history:clear', event(), [undefined, 'extra'])).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(calls).toEqual([]);
  });

  it('refuses senders that are not the app’s own main frame', async () => {
    const { router, calls, lines } = setup();
    const refused = [
      event({ id: 99 }), // a webContents the app did not create for its UI
      event({ parent: { url: 'app://callbridge/' } }), // an iframe inside the app window
      event({ url: 'https://evil.example/' }), // the app window navigated elsewhere
      event({ url: 'file:///home/alice/x.html' }),
      event({ frame: null }), // frame already gone
    ];
    for (const sender of refused) {
      expect(await router('desktop:history:clear', sender, [])).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    }
    expect(calls).toEqual([]);
    expect(lines).toHaveLength(refused.length);
  });

  it('turns a throwing handler into an internal error without leaking its message', async () => {
    const { router, lines } = setup();
    const answer = await router('desktop:history:delete', event(), ['00000000-0000-4000-8000-000000000001']);
    expect(answer).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Something went wrong in the desktop app.' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('disk I/O error');
    expect(lines[0]).not.toContain('    at ');
  });

  it('registers exactly the contract’s channels', () => {
    const { router } = setup();
    const handle = vi.fn<IpcMainPort['handle']>();
    registerIpc({ handle }, router);
    expect(handle.mock.calls.map(([channel]) => channel).sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(INVOKE_CHANNELS.every((c) => c.startsWith('desktop:'))).toBe(true);
  });
});
