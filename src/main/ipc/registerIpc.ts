/**
 * Wires the IPC contract (src/shared/ipc.ts) to main-process handlers. Before a handler runs, the router
 * checks, in this order: the channel is in the contract, the sender is the main frame of a window this app
 * created and that frame shows the app's own origin, and the payload parses. Every answer is a Result; a
 * handler that throws answers `internal` and is logged without its stack, so nothing throws across.
 */
import type { Result } from '../../shared/desktopApi.ts';
import {
  APP_HOST,
  APP_SCHEME,
  INVOKE_CHANNELS,
  invokeChannels,
  isInvokeChannel,
  type InvokeChannel,
  type InvokePayload,
  type InvokeValue,
} from '../../shared/ipc.ts';
import { errorMessage, type Logger } from '../log.ts';
import { describeZodError, fail } from '../result.ts';

/** The parts of Electron's WebFrameMain the sender check reads. */
export interface IpcSenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

/** The parts of Electron's IpcMainInvokeEvent the router reads. */
export interface IpcInvokeEvent {
  readonly sender: { readonly id: number };
  readonly senderFrame: IpcSenderFrame | null;
}

export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
}

export interface IpcSender {
  readonly webContentsId: number;
}

export type IpcHandlers = {
  [C in InvokeChannel]: (
    payload: InvokePayload<C>,
    sender: IpcSender,
  ) => Result<InvokeValue<C>> | Promise<Result<InvokeValue<C>>>;
};

export type IpcRouter = (channel: string, event: IpcInvokeEvent, args: unknown[]) => Promise<Result<unknown>>;

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    // URL.origin is 'null' for non-special schemes such as app:, so compare scheme and host instead.
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * A sender is trusted when it is the top frame (not an iframe, which could be anything the page embeds) of
 * a webContents this app created for its own UI, currently showing the app's origin (not a page it was
 * navigated to).
 */
export function isTrustedSender(event: IpcInvokeEvent, trustedWebContentsIds: ReadonlySet<number>): boolean {
  const frame = event.senderFrame;
  return (
    frame !== null &&
    frame.parent === null &&
    trustedWebContentsIds.has(event.sender.id) &&
    isAppUrl(frame.url)
  );
}

export function createIpcRouter(
  handlers: IpcHandlers,
  trustedWebContentsIds: ReadonlySet<number>,
  log: Logger,
): IpcRouter {
  return async (channel, event, args) => {
    if (!isInvokeChannel(channel)) {
      log.warn('ipc: unknown channel refused', { channel: channel.slice(0, 100) });
      return fail('unknown_channel', 'This channel does not exist.');
    }
    if (!isTrustedSender(event, trustedWebContentsIds)) {
      log.warn('ipc: untrusted sender refused', { channel, webContentsId: event.sender.id });
      return fail('forbidden', 'This sender may not use the desktop API.');
    }
    if (args.length > 1) return fail('bad_request', `${channel}: expected one argument, got ${args.length}`);
    const parsed = invokeChannels[channel].request.safeParse(args[0]);
    if (!parsed.success) return fail('bad_request', `${channel}: ${describeZodError(parsed.error)}`);
    try {
      const handler = handlers[channel] as (payload: unknown, sender: IpcSender) => Promise<Result<unknown>>;
      return await handler(parsed.data, { webContentsId: event.sender.id });
    } catch (error) {
      log.error('ipc: handler failed', { channel, error: errorMessage(error) });
      return fail('internal', 'Something went wrong in the desktop app.');
    }
  };
}

/** Registers exactly the contract's channels; Electron itself rejects invokes on any other channel. */
export function registerIpc(port: IpcMainPort, router: IpcRouter): void {
  for (const channel of INVOKE_CHANNELS) {
    port.handle(channel, (event, ...args) => router(channel, event, args));
  }
}
