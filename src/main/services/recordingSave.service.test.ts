/**
 * "Save recording" against a real HTTP server on port 0 that serves a recording to its member's token only,
 * writing for real into a temporary folder; only the save dialog is faked, at its port.
 */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../shared/desktopApi.ts';
import type { Logger } from '../log.ts';
import { defaultRecordingName, RecordingSaveService } from './recordingSave.service.ts';

const CALL = '00000000-0000-4000-8000-0000000000c1';
const RECORDING = `/api/calls/${CALL}/recording`;
const MEMBER_TOKEN = 'member.jwt';
/** A server configured under a path, behind a reverse proxy. */
const PREFIX = '/callbridge';
/** A WebM file's first bytes (the EBML header id), then enough to span several chunks. */
const WEBM = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(300_000, 7)]);

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };

describe('saving a recording from the desktop history', () => {
  let server: Server;
  let serverUrl: string;
  let body: Buffer;
  let requests: Array<{ url: string | undefined; authorization: string | undefined }>;
  let dir: string;
  let chosen: string | null;
  let asked: string[];
  let session: StoredSession | null;

  const saver = () =>
    new RecordingSaveService({
      dialog: {
        chooseRecordingPath: async (defaultName) => {
          asked.push(defaultName);
          return chosen;
        },
      },
      session: async () => session,
      fetch,
      log,
    });

  beforeEach(async () => {
    body = WEBM;
    requests = [];
    server = createServer((req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      if (req.url !== RECORDING && req.url !== `${PREFIX}${RECORDING}`) return void res.writeHead(404).end();
      if (req.headers.authorization !== `Bearer ${MEMBER_TOKEN}`) {
        res.writeHead(403, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: { code: 'forbidden', message: 'not a member' } }));
      }
      res.writeHead(200, { 'content-type': 'video/webm', 'content-length': body.length });
      res.end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    session = { serverUrl, token: MEMBER_TOKEN };
    dir = mkdtempSync(path.join(tmpdir(), 'callbridge-recording-'));
    chosen = path.join(dir, 'Team sync.webm');
    asked = [];
  });
  afterEach(async () => {
    server.close();
    await once(server, 'close');
    rmSync(dir, { recursive: true, force: true });
  });

  it('downloads the recording with the session token to where the user chose', async () => {
    expect(await saver().save(RECORDING)).toEqual({
      ok: true,
      value: { saved: true, fileName: 'Team sync.webm' },
    });
    expect(asked).toEqual([defaultRecordingName(RECORDING)]);
    expect(asked[0]).toBe('callbridge-recording-00000000.webm');
    expect(requests).toEqual([{ url: RECORDING, authorization: `Bearer ${MEMBER_TOKEN}` }]);
    expect(readFileSync(path.join(dir, 'Team sync.webm')).equals(WEBM)).toBe(true);
    expect(readdirSync(dir)).toEqual(['Team sync.webm']);
  });

  it('keeps the path of a server configured under one', async () => {
    session = { serverUrl: `${serverUrl}${PREFIX}/`, token: MEMBER_TOKEN };
    expect(await saver().save(RECORDING)).toMatchObject({ ok: true, value: { saved: true } });
    expect(requests.map((r) => r.url)).toEqual([`${PREFIX}${RECORDING}`]);
  });

  it('adds the .webm extension when the user typed a name without it', async () => {
    chosen = path.join(dir, 'standup');
    expect(await saver().save(RECORDING)).toMatchObject({ ok: true, value: { fileName: 'standup.webm' } });
    expect(readdirSync(dir)).toEqual(['standup.webm']);
  });

  it('downloads nothing when the user cancels the dialog', async () => {
    chosen = null;
    expect(await saver().save(RECORDING)).toEqual({ ok: true, value: { saved: false } });
    expect(requests).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('tells a non-member the server refused, and writes no file', async () => {
    session = { serverUrl, token: 'someone.else.jwt' };
    expect(await saver().save(RECORDING)).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only members of the conversation can download this recording' },
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses what the server sends when it is not a WebM video, leaving no partial file', async () => {
    body = Buffer.from('<html>login page</html>'.repeat(5000));
    expect(await saver().save(RECORDING)).toMatchObject({ ok: false, error: { code: 'bad_response' } });
    body = Buffer.alloc(0);
    expect(await saver().save(RECORDING)).toMatchObject({ ok: false, error: { code: 'bad_response' } });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an address other than a recording of the configured server, before asking anything', async () => {
    for (const address of [
      `${serverUrl}${RECORDING}`,
      '/api/users/me',
      `/api/calls/${CALL}/recording/../../../users/me`,
      `//evil.example${RECORDING}`,
    ]) {
      expect(await saver().save(address)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    expect(asked).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('asks to sign in when there is no session, and refuses a relative path from the dialog', async () => {
    session = null;
    expect(await saver().save(RECORDING)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    session = { serverUrl, token: MEMBER_TOKEN };
    chosen = 'recording.webm';
    expect(await saver().save(RECORDING)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(requests).toEqual([]);
  });

  it('says the server is unreachable when it is', async () => {
    session = { serverUrl: 'http://127.0.0.1:1', token: MEMBER_TOKEN };
    expect(await saver().save(RECORDING)).toMatchObject({ ok: false, error: { code: 'network' } });
    expect(readdirSync(dir)).toEqual([]);
  });
});
