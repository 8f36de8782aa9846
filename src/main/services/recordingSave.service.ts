/**
 * "Save recording" on the desktop: the user picks where in a dialog of the main process, and main downloads
 * the call's recording from the configured server with the session's token, streaming it to disk. The
 * renderer never hands main a path or a file's bytes (a compromised page could otherwise write anywhere, or
 * push a file through IPC bigger than a message can hold), only which recording of the server it wants.
 *
 * The file is written next to its destination under a temporary name and renamed once complete, so that an
 * interrupted download never leaves a truncated video under the name the user chose.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { RECORDING_PATH, type Result, type StoredSession } from '../../shared/desktopApi.ts';
import { errorMessage, type Logger } from '../log.ts';
import { fail, ok } from '../result.ts';

/** The save dialog (Electron's dialog.showSaveDialog behind the adapter). */
export interface SaveDialogPort {
  /** The absolute path the user chose, or null when they cancelled. */
  chooseRecordingPath(defaultName: string): Promise<string | null>;
}

export interface RecordingSaveDeps {
  dialog: SaveDialogPort;
  /** The signed-in session for the configured server, if any. */
  session(): Promise<StoredSession | null>;
  fetch: typeof fetch;
  log: Logger;
}

export type SaveOutcome = { saved: true; fileName: string } | { saved: false };

/** Every WebM (Matroska) file starts with the EBML header's id. */
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const EXTENSION = '.webm';

class NotAWebmFile extends Error {}

/** Passes the bytes through once they are seen to start as a WebM file does; fails otherwise. */
async function* webmOnly(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head = Buffer.alloc(0);
  let checked = false;
  for await (const chunk of chunks) {
    if (checked) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < EBML_MAGIC.length) continue;
    if (!head.subarray(0, EBML_MAGIC.length).equals(EBML_MAGIC)) throw new NotAWebmFile();
    checked = true;
    yield head;
  }
  if (!checked) throw new NotAWebmFile();
}

/** `callbridge-recording-<first part of the call id>.webm`: unique enough to not overwrite another by default. */
export function defaultRecordingName(recordingUrl: string): string {
  const callId = recordingUrl.split('/')[3] ?? 'call';
  return `callbridge-recording-${callId.slice(0, 8)}${EXTENSION}`;
}

const HTTP_REFUSALS: Record<number, [code: string, message: string]> = {
  401: ['unauthorized', 'Your session has expired: sign in again to save the recording'],
  403: ['forbidden', 'Only members of the conversation can download this recording'],
  404: ['not_found', 'This recording is no longer on the server'],
};

export class RecordingSaveService {
  readonly #deps: RecordingSaveDeps;

  constructor(deps: RecordingSaveDeps) {
    this.#deps = deps;
  }

  async save(recordingUrl: string): Promise<Result<SaveOutcome>> {
    // The IPC contract parses this already; checked again because the token goes wherever this points.
    if (!RECORDING_PATH.test(recordingUrl)) return fail('bad_request', 'Not a recording of this server');
    const session = await this.#deps.session();
    if (!session) return fail('unauthorized', 'Sign in to save the recording');

    const chosen = await this.#deps.dialog.chooseRecordingPath(defaultRecordingName(recordingUrl));
    if (chosen === null) return ok({ saved: false });
    if (!path.isAbsolute(chosen)) return fail('bad_request', 'The save dialog answered a relative path');
    const target = path.extname(chosen).toLowerCase() === EXTENSION ? chosen : `${chosen}${EXTENSION}`;

    let response: Response;
    try {
      // Appended, not resolved: a server configured under a path (https://host/callbridge) keeps it.
      response = await this.#deps.fetch(`${session.serverUrl.replace(/\/+$/u, '')}${recordingUrl}`, {
        headers: { authorization: `Bearer ${session.token}` },
      });
    } catch (error) {
      this.#deps.log.warn('recording save: server unreachable', { error: errorMessage(error) });
      return fail('network', 'Cannot reach the server to download the recording');
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      const [code, message] = HTTP_REFUSALS[response.status] ?? [
        'server_error',
        `The server could not send the recording (HTTP ${response.status})`,
      ];
      return fail(code, message);
    }

    const partial = `${target}.part`;
    try {
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        webmOnly,
        createWriteStream(partial),
      );
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      if (error instanceof NotAWebmFile) return fail('bad_response', 'The server did not send a WebM video');
      this.#deps.log.warn('recording save: writing failed', { error: errorMessage(error) });
      return fail('write_failed', `Could not save the recording: ${errorMessage(error)}`);
    }
    this.#deps.log.info('recording saved');
    return ok({ saved: true, fileName: path.basename(target) });
  }
}
