/**
 * Scenario helpers for the call suites: a server per suite, users with connected devices, and calls set up in
 * one line.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type {
  AnswerCallResponse,
  CallDto,
  ConversationDto,
  InitiateCallResponse,
  UserDto,
} from '../../../src/shared/protocol/index.ts';
import type { DatabaseTarget } from './databases.ts';
import {
  api,
  connectClient,
  createConversation,
  nextEvent,
  registerUser,
  startTestServer,
  type TestServer,
  type TestSocket,
} from './testServer.ts';

export interface Member {
  token: string;
  user: UserDto;
  deviceId: string;
  socket: TestSocket;
}

export interface CallSuiteServer {
  /** The server's base URL, from the suite's beforeAll on. */
  readonly url: string;
  /** Registers these users, each with one connected device that is closed after the suite. */
  people(...names: string[]): Promise<Member[]>;
  /** Closes this device's socket after the suite too (a second device a test connected itself). */
  closeAfterSuite(device: Member): void;
}

/**
 * One server for the enclosing describe block, on `target`'s database with the `env` overrides; stopped,
 * with every device the suite connected through it, after the block.
 */
export function useCallSuiteServer(
  target: DatabaseTarget,
  env: Record<string, string> = {},
): CallSuiteServer {
  let server: TestServer | undefined;
  const everyone: Member[] = [];
  beforeAll(async () => {
    server = await startTestServer({ ...(await target.setUp()), ...env });
  });
  afterAll(async () => {
    closeAll(everyone);
    await server?.close();
    await target.tearDown();
  });
  const suite: CallSuiteServer = {
    get url() {
      if (!server) throw new Error('the suite server starts in beforeAll');
      return server.url;
    },
    people: async (...names) => {
      const list = await members(suite.url, ...names);
      everyone.push(...list);
      return list;
    },
    closeAfterSuite: (device) => {
      everyone.push(device);
    },
  };
  return suite;
}

export async function member(url: string, name: string): Promise<Member> {
  const { token, user } = await registerUser(url, name);
  const deviceId = `dev-${randomUUID()}`;
  return { token, user, deviceId, socket: await connectClient(url, token, deviceId) };
}

export async function members(url: string, ...names: string[]): Promise<Member[]> {
  return Promise.all(names.map((name) => member(url, name)));
}

export function closeAll(list: readonly Member[]): void {
  for (const m of list) m.socket.close();
}

export function conversationOf(url: string, owner: Member, others: readonly Member[], title?: string) {
  return createConversation(
    url,
    owner.token,
    others.map((o) => o.user.id),
    title,
  );
}

/** Starts a call and waits until every invitee's device rang. */
export async function ring(
  url: string,
  caller: Member,
  conversation: ConversationDto,
  invitees: readonly Member[],
  type: 'audio' | 'video' = 'video',
): Promise<string> {
  const rang = invitees.map((m) => nextEvent(m.socket, 'call:incoming'));
  const res = await api<InitiateCallResponse>(url, 'POST', '/api/calls/initiate', {
    token: caller.token,
    body: {
      conversationId: conversation.id,
      type,
      participantIds: invitees.map((m) => m.user.id),
      deviceId: caller.deviceId,
    },
  });
  if (res.status !== 201) throw new Error(`initiate failed: ${res.status} ${JSON.stringify(res.body)}`);
  await Promise.all(rang);
  return res.body.callId;
}

export function answer(url: string, m: Member, callId: string) {
  return api<AnswerCallResponse>(url, 'POST', `/api/calls/${callId}/answer`, {
    token: m.token,
    body: { deviceId: m.deviceId },
  });
}

export function callAction(url: string, m: Member, callId: string, action: 'reject' | 'end') {
  return api<Record<string, unknown>>(url, 'POST', `/api/calls/${callId}/${action}`, { token: m.token });
}

export async function getCall(url: string, m: Member, callId: string): Promise<CallDto> {
  const res = await api<{ call: CallDto }>(url, 'GET', `/api/calls/${callId}`, { token: m.token });
  if (res.status !== 200) throw new Error(`get call failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.call;
}

export const statusOf = (call: CallDto, m: Member) =>
  call.participants.find((p) => p.userId === m.user.id)?.status;

/**
 * Resolves once every message the server sent to this socket before now has arrived: an acknowledged round
 * trip on the same connection is ordered after them. Lets a test assert that something was NOT delivered.
 */
export async function flush(socket: TestSocket): Promise<void> {
  await socket.emitWithAck('call:quality-report', { callId: 'flush', samples: [] } as never);
}
