/** Direct REST calls for test set-up (accounts, conversations): what the UI does is tested elsewhere. */
import { randomUUID } from 'node:crypto';
import { AuthResponse, ConversationResponse } from '../../src/shared/protocol/index.ts';
import type { ConversationDto, UserDto } from '../../src/shared/protocol/index.ts';

export interface TestUser extends UserDto {
  password: string;
  token: string;
}

async function post(url: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json: unknown = await response.json();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function registerUser(url: string, name: string): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${randomUUID().slice(0, 8)}@example.test`;
  const password = 'correct horse battery';
  const auth = AuthResponse.parse(await post(url, '/api/auth/register', { name, email, password }));
  return { ...auth.user, password, token: auth.token };
}

export async function createConversation(
  url: string,
  owner: TestUser,
  members: TestUser[],
  title?: string,
): Promise<ConversationDto> {
  const body = { memberIds: members.map((m) => m.id), ...(title ? { title } : {}) };
  return ConversationResponse.parse(await post(url, '/api/conversations', body, owner.token)).conversation;
}
