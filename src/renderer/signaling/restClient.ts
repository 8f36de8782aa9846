/**
 * The REST client. Every response is parsed with the protocol's zod schema, so a server that answers
 * something unexpected produces a clear error instead of `undefined` deep inside a component, and every
 * `{ error: { code, message } }` body becomes an ApiRequestError the UI can show as is.
 */
import type { z } from 'zod';
import {
  ActiveCallResponse,
  AnswerCallResponse,
  AuthResponse,
  CallResponse,
  ConversationResponse,
  EndCallResponse,
  ErrorResponse,
  InitiateCallResponse,
  ListCallsResponse,
  ListConversationsResponse,
  ListUsersResponse,
  MeResponse,
  RecordingResponse,
  OngoingCallsResponse,
  RejectCallResponse,
  TurnCredentialsResponse,
  UpdateMediaResponse,
} from '../../shared/protocol/index.ts';
import type {
  AnswerCallRequest,
  CreateConversationRequest,
  ErrorCode,
  InitiateCallRequest,
  ListCallsQuery,
  LoginRequest,
  RegisterRequest,
  UpdateMediaRequest,
} from '../../shared/protocol/index.ts';

/** Server error codes plus the two failures that never reach a server answer. */
export type RequestErrorCode = ErrorCode | 'network' | 'bad_response';

export class ApiRequestError extends Error {
  readonly code: RequestErrorCode;
  readonly status: number;
  readonly field: string | undefined;

  constructor(code: RequestErrorCode, message: string, status: number, field?: string) {
    super(message);
    this.name = 'ApiRequestError';
    this.code = code;
    this.status = status;
    this.field = field;
  }
}

/** A message fit for the screen, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong';
}

export interface RestClientOptions {
  baseUrl: string;
  getToken: () => string | null;
  /** Called when the server rejects our token, so the app can return to sign-in. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PATCH';

export function createRestClient(options: RestClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function request<T>(method: Method, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const token = options.getToken();
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;

    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new ApiRequestError('network', `Cannot reach the server at ${baseUrl}`, 0);
    }

    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      if (response.status === 401 && token) options.onUnauthorized?.();
      const parsed = ErrorResponse.safeParse(json);
      if (parsed.success) {
        const { code, message, field } = parsed.data.error;
        throw new ApiRequestError(code, message, response.status, field);
      }
      throw new ApiRequestError('bad_response', `The server answered ${response.status}`, response.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new ApiRequestError(
        'bad_response',
        `Unexpected answer from the server (${method} ${path}: ${where})`,
        response.status,
      );
    }
    return parsed.data;
  }

  const call = (callId: string) => `/api/calls/${encodeURIComponent(callId)}`;

  return {
    baseUrl,
    register: (body: RegisterRequest) => request('POST', '/api/auth/register', AuthResponse, body),
    login: (body: LoginRequest) => request('POST', '/api/auth/login', AuthResponse, body),
    me: () => request('GET', '/api/users/me', MeResponse),
    listUsers: () => request('GET', '/api/users?limit=100', ListUsersResponse),
    listConversations: () => request('GET', '/api/conversations', ListConversationsResponse),
    createConversation: (body: CreateConversationRequest) =>
      request('POST', '/api/conversations', ConversationResponse, body),
    initiateCall: (body: InitiateCallRequest) =>
      request('POST', '/api/calls/initiate', InitiateCallResponse, body),
    answerCall: (callId: string, body: AnswerCallRequest) =>
      request('POST', `${call(callId)}/answer`, AnswerCallResponse, body),
    rejectCall: (callId: string) => request('POST', `${call(callId)}/reject`, RejectCallResponse, {}),
    endCall: (callId: string) => request('POST', `${call(callId)}/end`, EndCallResponse, {}),
    updateMedia: (callId: string, patch: UpdateMediaRequest) =>
      request('PATCH', `${call(callId)}/media`, UpdateMediaResponse, patch),
    turnCredentials: () => request('GET', '/api/calls/turn-credentials', TurnCredentialsResponse),
    getCall: (callId: string) => request('GET', call(callId), CallResponse),
    startRecording: (callId: string) =>
      request('POST', `${call(callId)}/recording/start`, RecordingResponse, {}),
    stopRecording: (callId: string) =>
      request('POST', `${call(callId)}/recording/stop`, RecordingResponse, {}),
    /**
     * A call's recording as a Blob (the download needs the bearer token, which a <video src> cannot send).
     * `recordingUrl` is the path the server gave in CallDto.recordingUrl.
     */
    async downloadRecording(recordingUrl: string): Promise<Blob> {
      if (!recordingUrl.startsWith('/api/calls/')) {
        throw new ApiRequestError('bad_response', 'Unexpected recording address', 0);
      }
      const token = options.getToken();
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}${recordingUrl}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      } catch {
        throw new ApiRequestError('network', `Cannot reach the server at ${baseUrl}`, 0);
      }
      if (!response.ok) {
        const parsed = ErrorResponse.safeParse(await response.json().catch(() => undefined));
        if (parsed.success) {
          const { code, message } = parsed.data.error;
          throw new ApiRequestError(code, message, response.status);
        }
        throw new ApiRequestError('bad_response', `The server answered ${response.status}`, response.status);
      }
      return response.blob();
    },
    activeCall: () => request('GET', '/api/calls/active', ActiveCallResponse),
    ongoingCalls: () => request('GET', '/api/calls/ongoing', OngoingCallsResponse),
    listCalls: (query: Partial<ListCallsQuery>) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query))
        if (value !== undefined) params.set(key, String(value));
      return request('GET', `/api/calls?${params}`, ListCallsResponse);
    },
  };
}

export type RestClient = ReturnType<typeof createRestClient>;
