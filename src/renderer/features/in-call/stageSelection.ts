/**
 * Who of a big call gets a video tile. The grid holds fewer tiles than a 20-person call has people, so it
 * shows the last speakers (as Meet and Jitsi do): whoever talks comes in, whoever has been silent longest
 * makes room. Tiles must not dance with every "mm-hm", hence the hysteresis: a participant comes in only after
 * speaking for ENTER_AFTER_MS, and speakers swap in at most once per MIN_SWAP_INTERVAL_MS. A newcomer takes the
 * place of the one it replaces, so the other tiles stay where they are. The spotlighted participant and screen
 * sharers (`mustShow`) come in at once: the user asked for them, or there is something to read.
 *
 * Pure: the screen feeds it the store's active speaker (already damped, see call/activeSpeaker.ts) and a
 * clock tick; tests feed it by hand.
 */

/** How long an off-stage participant must have been the active speaker before taking a tile. */
export const ENTER_AFTER_MS = 1000;
/** At most one speaker swap per this interval, however lively the conversation. */
export const MIN_SWAP_INTERVAL_MS = 2000;

export interface StageInput {
  /** Everyone who may get a tile, in the server's order (the stable order for ties and for the strip). */
  participants: readonly string[];
  activeSpeakerId: string | null;
  /** How many of them the stage shows with video. */
  slots: number;
  /** Shown whatever the speakers do, first ones first when they alone overflow the slots. */
  mustShow: readonly string[];
  /** Still being rung: they give way to anyone in the call, at once (nobody to see there yet). */
  pending?: readonly string[];
  now: number;
}

export interface StageSelection {
  /** On stage, in display order. */
  visible: readonly string[];
  /** When a speaker last swapped in (structural changes, e.g. a leaver's place being refilled, do not count). */
  swappedAt: number;
  /** The current active speaker and since when, to tell one second of speech from a cough. */
  speaker: { userId: string; since: number } | null;
  /** When each participant last became the active speaker: the most recent stay, the longest silent go first. */
  lastSpokeAt: Readonly<Record<string, number>>;
}

export const initialStageSelection: StageSelection = {
  visible: [],
  swappedAt: Number.NEGATIVE_INFINITY,
  speaker: null,
  lastSpokeAt: {},
};

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

interface Ranking {
  lastSpokeAt: Readonly<Record<string, number>>;
  pending: ReadonlySet<string>;
}

/** A score where lower means "make room first": someone still being rung, then the longest silent. */
function keepScore(id: string, { lastSpokeAt, pending }: Ranking): number {
  return pending.has(id) ? -1 : (lastSpokeAt[id] ?? 0);
}

/** Best first: most recent speaker, then those in the call before those being rung, then the server's order. */
function byRank(participants: readonly string[], ranking: Ranking) {
  const index = new Map(participants.map((id, i) => [id, i]));
  return (a: string, b: string) =>
    keepScore(b, ranking) - keepScore(a, ranking) || (index.get(a) ?? 0) - (index.get(b) ?? 0);
}

/** The one to make room: not a must-show, lowest keepScore; among equals the last on stage (least in view). */
function evictionCandidate(
  visible: readonly string[],
  mustShow: ReadonlySet<string>,
  ranking: Ranking,
): number {
  let chosen = -1;
  for (let i = 0; i < visible.length; i++) {
    const id = visible[i]!;
    if (mustShow.has(id)) continue;
    if (chosen < 0 || keepScore(id, ranking) <= keepScore(visible[chosen]!, ranking)) chosen = i;
  }
  return chosen;
}

/**
 * The stage made consistent with who is here and how many fit, with no regard to time: leavers out, must-shows
 * in, too many cut (longest silent first), free slots filled (best ranked first). When everyone fits, it is
 * simply everyone in the server's order, as a small call always was. Cheap and time-free, so the screen also
 * runs it on every render: a newcomer never waits for the next clock tick to get a free tile.
 */
export function settleStage(
  visible: readonly string[],
  input: Omit<StageInput, 'activeSpeakerId' | 'now'>,
  lastSpokeAt: Readonly<Record<string, number>>,
): readonly string[] {
  const ranking: Ranking = { lastSpokeAt, pending: new Set(input.pending) };
  const { participants } = input;
  const slots = Math.max(0, input.slots);
  if (participants.length <= slots) {
    // Keep the current order for those already shown (a reorder is what this module exists to avoid).
    const present = new Set(participants);
    const kept = visible.filter((id) => present.has(id));
    const keptSet = new Set(kept);
    const settled = [...kept, ...participants.filter((id) => !keptSet.has(id))];
    return sameList(settled, visible) ? visible : settled;
  }

  const present = new Set(participants);
  const must = input.mustShow.filter((id, i) => present.has(id) && input.mustShow.indexOf(id) === i);
  const mustSet = new Set(must.slice(0, slots));
  let next = visible.filter((id, i) => present.has(id) && visible.indexOf(id) === i);

  for (const id of mustSet) {
    if (next.includes(id)) continue;
    if (next.length < slots) {
      next.push(id);
      continue;
    }
    const out = evictionCandidate(next, mustSet, ranking);
    if (out >= 0) next[out] = id;
  }
  while (next.length > slots) {
    const out = evictionCandidate(next, mustSet, ranking);
    next = next.filter((_, i) => i !== out);
  }
  const shown = new Set(next);
  const offstage = participants.filter((id) => !shown.has(id)).sort(byRank(participants, ranking));
  if (next.length < slots) next = [...next, ...offstage.splice(0, slots - next.length)];
  // Someone who answered takes the place of someone still ringing (the best of them first).
  for (const id of offstage) {
    if (ranking.pending.has(id)) break;
    const out = evictionCandidate(next, mustSet, ranking);
    if (out < 0 || !ranking.pending.has(next[out]!)) break;
    next = next.map((shownId, i) => (i === out ? id : shownId));
  }
  return sameList(next, visible) ? visible : next;
}

/** One clock tick (or input change): tracks the speaker, swaps a speaker in when due, settles the stage. */
export function nextStageSelection(prev: StageSelection, input: StageInput): StageSelection {
  const { activeSpeakerId: speakerId, now } = input;
  const isParticipant = speakerId !== null && input.participants.includes(speakerId);

  let speaker = prev.speaker;
  if (!isParticipant) speaker = null;
  else if (speaker?.userId !== speakerId) speaker = { userId: speakerId, since: now };

  // Only one person is the active speaker at a time, so "started speaking last" orders people exactly as
  // "spoke last" does, and the state stays the same object on ticks where nothing changes (no re-render).
  let lastSpokeAt = prev.lastSpokeAt;
  if (speaker && speaker !== prev.speaker) lastSpokeAt = { ...lastSpokeAt, [speaker.userId]: speaker.since };

  let visible = settleStage(prev.visible, input, lastSpokeAt);
  let swappedAt = prev.swappedAt;
  const due =
    speaker !== null &&
    !visible.includes(speaker.userId) &&
    now - speaker.since >= ENTER_AFTER_MS &&
    now - prev.swappedAt >= MIN_SWAP_INTERVAL_MS;
  if (due && speaker) {
    const ranking = { lastSpokeAt, pending: new Set(input.pending) };
    const out = evictionCandidate(visible, new Set(input.mustShow), ranking);
    if (out >= 0) {
      visible = visible.map((id, i) => (i === out ? speaker.userId : id));
      swappedAt = now;
    }
  }

  if (
    visible === prev.visible &&
    speaker === prev.speaker &&
    lastSpokeAt === prev.lastSpokeAt &&
    swappedAt === prev.swappedAt
  )
    return prev;
  return { visible, swappedAt, speaker, lastSpokeAt };
}
