/**
 * The backend's REST API as the bench uses it: accounts and conversations up front, then the call-control
 * steps of each flow. Answers are parsed with the shared contract, so a contract drift fails the bench loudly.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  AuthResponse,
  ConversationResponse,
  EndCallResponse,
  InitiateCallResponse,
  AnswerCallResponse,
} from '../../src/shared/protocol/index.ts';
import type { CallControl } from './callFlow.ts';

export interface Account {
  userId: string;
  token: string;
  deviceId: string;
}

export async function request<S extends z.ZodType>(
  baseUrl: string,
  method: string,
  path: string,
  schema: S,
  options: { token?: string; body?: unknown } = {},
): Promise<z.infer<S>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    },
    body: options.body === undefined ? null : JSON.stringify(options.body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return schema.parse(JSON.parse(text));
}

export async function registerAccount(baseUrl: string, label: string): Promise<Account> {
  const { token, user } = await request(baseUrl, 'POST', '/api/auth/register', AuthResponse, {
    body: { email: `${label}-${randomUUID()}@bench.invalid`, password: 'bench-password', name: label },
  });
  return { userId: user.id, token, deviceId: `bench-${randomUUID().slice(0, 8)}` };
}

export async function createConversation(baseUrl: string, owner: Account, other: Account): Promise<string> {
  const { conversation } = await request(baseUrl, 'POST', '/api/conversations', ConversationResponse, {
    token: owner.token,
    body: { memberIds: [other.userId] },
  });
  return conversation.id;
}

export function backendCallControl(baseUrl: string): CallControl {
  return {
    async initiate({ caller, callee, conversationId }) {
      const { callId } = await request(baseUrl, 'POST', '/api/calls/initiate', InitiateCallResponse, {
        token: caller.token,
        body: {
          conversationId,
          type: 'video',
          participantIds: [callee.client.userId],
          deviceId: caller.deviceId,
        },
      });
      return callId;
    },
    async answer({ callee }, callId) {
      await request(baseUrl, 'POST', `/api/calls/${callId}/answer`, AnswerCallResponse, {
        token: callee.token,
        body: { deviceId: callee.deviceId },
      });
    },
    async end({ caller }, callId) {
      await request(baseUrl, 'POST', `/api/calls/${callId}/end`, EndCallResponse, { token: caller.token });
    },
  };
}
