import type { ConversationDto, OngoingCallDto } from '../../../shared/protocol/index.ts';
import { useAppStore, useSession } from '../../app/context.ts';
import { conversationTitle } from '../../store/directory.slice.ts';
import { Icon } from '../../ui/Icon.tsx';

/** "3 people" / "1 person": how many are in the call now. */
export function peopleInCall(call: OngoingCallDto): string {
  const n = call.joinedUserIds.length;
  return `${n} ${n === 1 ? 'person' : 'people'}`;
}

/** The ongoing calls of my groups that I am not in, with their conversation. */
export function joinableCalls(
  ongoing: Record<string, OngoingCallDto>,
  conversations: readonly ConversationDto[],
  selfId: string,
): { call: OngoingCallDto; conversation: ConversationDto }[] {
  return conversations.flatMap((conversation) => {
    const call = ongoing[conversation.id];
    return call && !call.joinedUserIds.includes(selfId) ? [{ call, conversation }] : [];
  });
}

/** Joins the call from wherever it is offered (banner, group row). */
export function JoinCallButton({
  call,
  title,
  testId,
}: {
  call: OngoingCallDto;
  title: string;
  testId: string;
}) {
  const { calls } = useSession();
  return (
    <button
      className="btn btn-primary btn-small"
      onClick={() => void calls.joinCall(call.callId, title)}
      data-testid={testId}
    >
      Join
    </button>
  );
}

/** One banner per group call in progress that I could join (also after declining, missing or leaving it). */
export function OngoingCallBanner() {
  const { selfId } = useSession();
  const ongoing = useAppStore((s) => s.groupCall.ongoing);
  const conversations = useAppStore((s) => s.directory.conversations);
  const joinable = joinableCalls(ongoing, conversations, selfId);
  if (joinable.length === 0) return null;
  return (
    <div className="banners ongoing-banners">
      {joinable.map(({ call, conversation }) => {
        const title = conversationTitle(conversation, selfId);
        return (
          <div
            key={call.callId}
            className="banner banner-accent"
            role="status"
            data-testid="ongoing-call-banner"
            data-call-id={call.callId}
          >
            <Icon name={call.type === 'audio' ? 'phone' : 'video'} size={18} />
            <span className="banner-text">
              {title} — call in progress, {peopleInCall(call)}
            </span>
            <JoinCallButton call={call} title={title} testId="join-ongoing-call" />
          </div>
        );
      })}
    </div>
  );
}
