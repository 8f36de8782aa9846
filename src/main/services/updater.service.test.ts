import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../log.ts';
import type { AdminPolicy, PolicyState } from '../policy/adminPolicy.ts';
import type { BundledUpdateRead } from './appUpdateConfig.ts';
import {
  UpdaterService,
  updateMode,
  type UpdateMode,
  type UpdateModeInputs,
  type UpdaterPort,
} from './updater.service.ts';

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function fakeUpdater() {
  let downloaded: (version: string) => void = () => {};
  const port = {
    setFeedUrl: vi.fn(),
    checkForUpdates: vi.fn(async () => null),
    onUpdateDownloaded: (listener: (version: string) => void) => void (downloaded = listener),
    onError: () => {},
    quitAndInstall: vi.fn(),
  } satisfies UpdaterPort;
  return { port, download: (version: string) => downloaded(version) };
}

describe('auto-update', () => {
  describe('decision table: updates only when a downloaded update will be signature-checked', () => {
    const signed: BundledUpdateRead = {
      status: 'present',
      config: { provider: 'generic', publisherNames: ['Example Corp'] },
    };
    const unsigned: BundledUpdateRead = {
      status: 'present',
      config: { provider: 'generic', publisherNames: [] },
    };
    const none: PolicyState = { status: 'none' };
    const policy = (autoUpdate: NonNullable<AdminPolicy['autoUpdate']>): PolicyState => ({
      status: 'applied',
      location: 'HKLM\\Software\\Policies\\CallBridge',
      policy: { autoUpdate },
    });
    const base: UpdateModeInputs = { isPackaged: true, platform: 'win32', bundled: signed, policy: none };

    const rows: Array<[string, Partial<UpdateModeInputs>, UpdateMode | RegExp]> = [
      ['signed Windows build, its own feed', {}, { enabled: true, feedUrl: null }],
      [
        'signed Windows build, feed moved by the policy',
        { policy: policy({ feedUrl: 'https://updates.corp.example/cb/' }) },
        { enabled: true, feedUrl: 'https://updates.corp.example/cb/' },
      ],
      ['development run', { isPackaged: false }, /not a packaged build/],
      ['policy turns it off', { policy: policy({ enabled: false }) }, /turned off by the administrator/],
      [
        'policy could not be read (fail closed)',
        { policy: { status: 'unreadable', location: 'x', problem: 'not valid JSON' } },
        /could not be read/,
      ],
      ['Windows build without a publisher', { bundled: unsigned }, /no code-signing publisher/],
      [
        'no publisher, even when the policy supplies a feed',
        { bundled: unsigned, policy: policy({ enabled: true, feedUrl: 'https://u.example/' }) },
        /no code-signing publisher/,
      ],
      [
        'build without app-update.yml, even when the policy supplies a feed',
        { bundled: { status: 'absent' }, policy: policy({ feedUrl: 'https://u.example/' }) },
        /no update feed/,
      ],
      [
        'unreadable app-update.yml',
        { bundled: { status: 'unreadable', problem: 'app-update.yml is not in the expected format' } },
        /not in the expected format/,
      ],
      [
        'macOS (Squirrel.Mac checks the code signature)',
        { platform: 'darwin', bundled: unsigned },
        { enabled: true, feedUrl: null },
      ],
      ['Linux (no publisher signature exists)', { platform: 'linux' }, /package repository/],
      ['another OS', { platform: 'freebsd' }, /no verified updates on freebsd/],
    ];
    for (const [name, change, expected] of rows) {
      it(name, () => {
        const mode = updateMode({ ...base, ...change });
        if (expected instanceof RegExp) {
          expect(mode.enabled).toBe(false);
          expect(!mode.enabled && mode.reason).toMatch(expected);
        } else {
          expect(mode).toEqual(expected);
        }
      });
    }
  });

  it('never checks when off', () => {
    const { port } = fakeUpdater();
    const createUpdater = vi.fn(() => port);
    new UpdaterService({ createUpdater, askToRestart: async () => true, inCall: () => false, log }).start({
      enabled: false,
      reason: 'x',
    });
    expect(createUpdater).not.toHaveBeenCalled();
    expect(port.checkForUpdates).not.toHaveBeenCalled();
  });

  it('asks to restart once downloaded, and installs on yes', async () => {
    const { port, download } = fakeUpdater();
    const askToRestart = vi.fn(async () => true);
    const service = new UpdaterService({ createUpdater: () => port, askToRestart, inCall: () => false, log });
    service.start({ enabled: true, feedUrl: 'https://updates.example/callbridge' });
    expect(port.setFeedUrl).toHaveBeenCalledWith('https://updates.example/callbridge');
    expect(port.checkForUpdates).toHaveBeenCalledTimes(1);

    download('1.2.0');
    await vi.waitFor(() => expect(port.quitAndInstall).toHaveBeenCalledTimes(1));
    expect(askToRestart).toHaveBeenCalledWith('1.2.0');
    service.stop();
  });

  it('waits for the call to end before asking, and does not ask again after "later"', async () => {
    const { port, download } = fakeUpdater();
    let inCall = true;
    const askToRestart = vi.fn(async () => false);
    const service = new UpdaterService({
      createUpdater: () => port,
      askToRestart,
      inCall: () => inCall,
      log,
    });
    service.start({ enabled: true, feedUrl: null });

    download('1.2.0');
    await service.promptIfIdle();
    expect(askToRestart).not.toHaveBeenCalled();

    inCall = false;
    await service.promptIfIdle();
    await service.promptIfIdle();
    expect(askToRestart).toHaveBeenCalledTimes(1);
    expect(port.quitAndInstall).not.toHaveBeenCalled();
    service.stop();
  });
});
