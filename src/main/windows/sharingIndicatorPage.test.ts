import { describe, expect, it } from 'vitest';
import { isStopSharingUrl, sharingIndicatorPage, sharingIndicatorPageUrl } from './sharingIndicatorPage.ts';
import { staticPageHtml } from './staticPage.ts';

describe('sharing indicator page', () => {
  it('says what is shared, as text, under a script-free CSP, with a Stop link main intercepts', () => {
    const html = staticPageHtml(
      sharingIndicatorPage({ label: 'Mail <script>x()</script>', stopping: false }),
    );
    expect(html).toContain('You are sharing Mail &#60;script&#62;x()&#60;/script&#62;');
    expect(html).not.toContain('<script');
    expect(html).toMatch(/content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'"/);
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(links).toHaveLength(1);
    expect(isStopSharingUrl(links[0]!)).toBe(true);
    expect(html).toContain('>Stop</a>');
    expect(sharingIndicatorPageUrl({ label: 'x', stopping: false })).toMatch(
      /^data:text\/html;charset=utf-8,/,
    );
  });

  it('shows that stopping is under way', () => {
    expect(staticPageHtml(sharingIndicatorPage({ label: 'Entire screen', stopping: true }))).toContain(
      'Stopping…',
    );
  });

  it('maps no other URL to Stop', () => {
    for (const url of [
      'https://evil.example/sharing-action/stop',
      'app://callbridge/sharing-action/start',
      'app://callbridge/ringing-action/stop',
      'app://callbridge/index.html',
    ]) {
      expect(isStopSharingUrl(url)).toBe(false);
    }
  });
});
