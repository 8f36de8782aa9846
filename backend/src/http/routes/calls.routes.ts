import type { FastifyInstance } from 'fastify';
import {
  AnswerCallRequest,
  CallIdParams,
  InitiateCallRequest,
  ListCallsQuery,
  UpdateMediaRequest,
  type ActiveCallResponse,
  type CallResponse,
  type OngoingCallsResponse,
  type TurnCredentialsResponse,
} from '../../../../src/shared/protocol/index.ts';
import type { Db } from '../../db/db.ts';
import { insertTurnCredential } from '../../db/turnCredentials.repo.ts';
import { parseInput } from '../../errors.ts';
import type { CallMediaService } from '../../services/callMedia.service.ts';
import type { CallQueries } from '../../services/callQueries.service.ts';
import type { CallService } from '../../services/calls.service.ts';
import { issueTurnCredentials, type TurnConfig } from '../../turn/turnCredentials.ts';

export interface CallRouteDeps {
  db: Db;
  calls: CallService;
  queries: CallQueries;
  media: CallMediaService;
  turn: TurnConfig | null;
  stunUrls: string[];
}

/** Answer and reject accept no body, an empty one, or `{ deviceId }` (answer also `awaitsOffer`). */
const answerBodyOf = (body: unknown): AnswerCallRequest => parseInput(AnswerCallRequest, body ?? {}, 'body');

export function callsRoutes(app: FastifyInstance, deps: CallRouteDeps): void {
  const callIdOf = (params: unknown) => parseInput(CallIdParams, params, 'params').callId;

  app.post('/api/calls/initiate', async (request, reply) => {
    const body = parseInput(InitiateCallRequest, request.body, 'body');
    reply.code(201);
    return deps.calls.initiate(request.userId, body);
  });

  app.get('/api/calls/turn-credentials', async (request): Promise<TurnCredentialsResponse> => {
    const issued = issueTurnCredentials(deps.turn, deps.stunUrls, request.userId, new Date());
    if (issued.record !== null)
      await insertTurnCredential(deps.db, { userId: request.userId, ...issued.record });
    return issued.response;
  });

  app.get('/api/calls/active', async (request): Promise<ActiveCallResponse> => ({
    call: await deps.queries.activeCall(request.userId),
  }));

  app.get('/api/calls/ongoing', async (request): Promise<OngoingCallsResponse> => ({
    calls: await deps.queries.ongoingCalls(request.userId),
  }));

  app.get('/api/calls', async (request) =>
    deps.queries.history(request.userId, parseInput(ListCallsQuery, request.query, 'query')),
  );

  app.get('/api/calls/:callId', async (request): Promise<CallResponse> => ({
    call: await deps.queries.getCall(request.userId, callIdOf(request.params)),
  }));

  app.post('/api/calls/:callId/answer', async (request) => {
    const { deviceId, awaitsOffer } = answerBodyOf(request.body);
    return deps.calls.answer(request.userId, callIdOf(request.params), deviceId ?? null, {
      awaitsOffer: awaitsOffer === true,
    });
  });

  app.post('/api/calls/:callId/reject', async (request) =>
    deps.calls.reject(request.userId, callIdOf(request.params), answerBodyOf(request.body).deviceId ?? null),
  );

  app.post('/api/calls/:callId/end', async (request) =>
    deps.calls.end(request.userId, callIdOf(request.params)),
  );

  app.patch('/api/calls/:callId/media', async (request) =>
    deps.media.updateMedia(
      request.userId,
      callIdOf(request.params),
      parseInput(UpdateMediaRequest, request.body, 'body'),
    ),
  );
}
