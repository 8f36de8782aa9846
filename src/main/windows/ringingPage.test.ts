import { describe, expect, it } from 'vitest';
import type { RingingCall } from '../services/callAlerts.service.ts';
import { ringingActionFromUrl, ringingPageHtml, ringingPageUrl } from './ringingPage.ts';

const CALL_ID = '00000000-0000-4000-8000-0000000000a1';
const call: RingingCall = {
  state: 'ringing',
  callId: CALL_ID,
  callerName: 'Alice <img src=x onerror=alert(1)>',
  type: 'video',
};

function links(html: string): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&#38;', '&'));
}

describe('ringing window page', () => {
  it('shows the caller’s name as text, never as markup, under a script-free CSP', () => {
    const html = ringingPageHtml(call);
    expect(html).toContain('Alice &#60;img src=x onerror=alert(1)&#62;');
    expect(html).not.toContain('<img');
    expect(html).toMatch(/content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'"/);
    expect(html).not.toContain('<script');
    expect(ringingPageUrl(call)).toMatch(/^data:text\/html;charset=utf-8,/);
  });

  it('offers decline, audio and video answers whose links map back to the actions', () => {
    expect(links(ringingPageHtml(call)).map(ringingActionFromUrl)).toEqual([
      { type: 'decline', callId: CALL_ID },
      { type: 'answer', callId: CALL_ID, withVideo: false },
      { type: 'answer', callId: CALL_ID, withVideo: true },
    ]);
    expect(links(ringingPageHtml({ ...call, type: 'audio' }))).toHaveLength(2);
  });

  it('maps no other URL to an action', () => {
    for (const url of [
      'https://callbridge.example/ringing-action/answer?callId=' + CALL_ID,
      'app://callbridge/ringing-action/hangup-everyone?callId=' + CALL_ID,
      'app://callbridge/ringing-action/answer?callId=not-a-uuid',
      'app://callbridge/index.html',
    ]) {
      expect(ringingActionFromUrl(url)).toBeNull();
    }
  });
});
