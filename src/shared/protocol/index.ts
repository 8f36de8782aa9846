/**
 * The wire contract between the signaling backend (backend/) and every client (renderer, web client, tests),
 * shared by both sides so the names and shapes of the spec (shared/spec/phase4-voice-video-calls.txt) are
 * written down exactly once. Every REST body and every socket payload crossing the wire, in both directions,
 * is a zod schema here; the TypeScript types are inferred from them.
 *
 * Pure TypeScript + zod: no DOM, no Node, no Electron.
 */
export * from './primitives.ts';
export * from './errors.ts';
export * from './quality.ts';
export * from './rest/accounts.ts';
export * from './rest/conversations.ts';
export * from './rest/calls.ts';
export * from './rest/callActions.ts';
export * from './rest/turn.ts';
export * from './rest/health.ts';
export * from './socket/signaling.ts';
export * from './socket/callEvents.ts';
export * from './socket/sfu.ts';
export * from './socket/events.ts';
