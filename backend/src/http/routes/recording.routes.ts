/**
 * Extra (issue #14): start and stop a call's recording, and download the processed file, members of the
 * call's conversation only, with single-range requests (players seek, downloads resume).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { CallIdParams, type RecordingResponse } from '../../../../src/shared/protocol/index.ts';
import { AppError, parseInput } from '../../errors.ts';
import { sendError } from '../errorAnswers.ts';
import type { RecordingService } from '../../services/recording.service.ts';

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * The one byte range a Range header asks for (inclusive), null to send the whole file (no header, or one
 * this server does not serve ranges for: several ranges, other units), 'unsatisfiable' for a range past
 * the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    // bytes=-N: the last N bytes.
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export function recordingRoutes(app: FastifyInstance, recordings: RecordingService | null): void {
  const callIdOf = (params: unknown) => parseInput(CallIdParams, params, 'params').callId;
  const service = (): RecordingService => {
    if (recordings === null) {
      throw new AppError('unavailable', 'recording is not configured on this server (docs/recording.md)');
    }
    return recordings;
  };

  app.post('/api/calls/:callId/recording/start', async (request): Promise<RecordingResponse> =>
    service().start(request.userId, callIdOf(request.params)),
  );

  app.post('/api/calls/:callId/recording/stop', async (request): Promise<RecordingResponse> =>
    service().stop(request.userId, callIdOf(request.params)),
  );

  app.get('/api/calls/:callId/recording', async (request, reply) => {
    const file = await service().fileFor(request.userId, callIdOf(request.params));
    const { size } = await stat(file).catch(() => {
      throw new AppError('not_found', 'this call has no recording');
    });
    const range = parseRange(request.headers.range, size);
    reply.header('accept-ranges', 'bytes');
    if (range === 'unsatisfiable') {
      reply.header('content-range', `bytes */${size}`);
      return sendError(reply, 416, {
        code: 'bad_request',
        message: 'the requested range is outside the recording',
      });
    }
    reply
      .header('content-type', 'video/webm')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', 'attachment; filename="callbridge-recording.webm"');
    if (range === null) {
      reply.header('content-length', size);
      return reply.send(createReadStream(file));
    }
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1);
    return reply.send(createReadStream(file, { start: range.start, end: range.end }));
  });
}
