import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../log.ts';
import { UpdaterService, updateMode, type UpdaterPort } from './updater.service.ts';

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
  it('is off in development, without a feed, or when the policy says so', () => {
    expect(updateMode({ isPackaged: false, hasBundledFeed: true, policy: undefined })).toMatchObject({
      enabled: false,
    });
    expect(updateMode({ isPackaged: true, hasBundledFeed: false, policy: undefined })).toMatchObject({
      enabled: false,
      reason: 'no update feed configured in this build',
    });
    expect(
      updateMode({
        isPackaged: true,
        hasBundledFeed: true,
        policy: { enabled: false, feedUrl: 'https://u.example' },
      }),
    ).toMatchObject({ enabled: false });
    expect(
      updateMode({ isPackaged: true, hasBundledFeed: false, policy: { feedUrl: 'https://u.example/' } }),
    ).toEqual({
      enabled: true,
      feedUrl: 'https://u.example/',
    });
    expect(updateMode({ isPackaged: true, hasBundledFeed: true, policy: undefined })).toEqual({
      enabled: true,
      feedUrl: null,
    });
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
