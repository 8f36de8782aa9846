/** Shared test data for the call reducer and the call controller: fixed ids and a participant factory. */
import { DEFAULT_MEDIA_STATE, type ParticipantDto } from '../../shared/protocol/index.ts';

export const ME = '00000000-0000-4000-8000-000000000001';
export const BOB = '00000000-0000-4000-8000-000000000002';
export const CAROL = '00000000-0000-4000-8000-000000000003';
export const CONVERSATION = '20000000-0000-4000-8000-000000000001';

export function participantDto(
  userId: string,
  userName: string,
  status: ParticipantDto['status'],
): ParticipantDto {
  return {
    userId,
    userName,
    userIdentifier: `${userName.toLowerCase()}@example.test`,
    status,
    mediaState: DEFAULT_MEDIA_STATE,
    joinedAt: null,
    leftAt: null,
    connectionQuality: null,
  };
}
