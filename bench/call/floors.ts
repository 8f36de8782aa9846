/**
 * The floors bench:call compares the app with: two bare RTCPeerConnections in one page of the same browser,
 * offer/answer/ICE in memory, first media detected by the same receiving-side hooks as the app's calls
 * (firstMedia.ts). Nothing of the app runs; what is left is the browser's own cost.
 */
import type { Page } from 'playwright-core';

export interface SetupFloor {
  /** getUserMedia start -> first remote video frame: beside the app's click -> first frame. */
  captureToFrameMs: number;
  /** Media already captured, negotiation start -> first audio / frame: a call with no head start at answer. */
  negotiateToAudioMs: number;
  negotiateToFrameMs: number;
}

export interface PreconnectedFloor {
  /** ICE and DTLS done, senders without tracks; replaceTrack -> first audio / frame: instant answer's floor. */
  sendToAudioMs: number;
  sendToFrameMs: number;
}

/** Capture, negotiate, first frame; with `videoCodec`, that codec is preferred the way the engine prefers VP9. */
export function measureSetupFloor(page: Page, videoCodec: string | null): Promise<SetupFloor> {
  return page.evaluate(async (codec) => {
    const w = window as unknown as { __firstMedia: { audio: number | null; video: number | null } };
    const now = () => performance.timeOrigin + performance.now();
    w.__firstMedia = { audio: null, video: null };
    const start = now();
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 1280, height: 720 },
    });
    const captured = now();
    const sender = new RTCPeerConnection();
    const receiver = new RTCPeerConnection();
    sender.onicecandidate = (e) => void receiver.addIceCandidate(e.candidate ?? undefined);
    receiver.onicecandidate = (e) => void sender.addIceCandidate(e.candidate ?? undefined);
    for (const track of stream.getTracks()) sender.addTrack(track, stream);
    const video = sender.getTransceivers().find((t) => t.sender.track?.kind === 'video');
    const codecs = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
    if (codec && video) {
      video.setCodecPreferences([
        ...codecs.filter((c) => c.mimeType === codec),
        ...codecs.filter((c) => c.mimeType !== codec),
      ]);
    }
    await sender.setLocalDescription();
    await receiver.setRemoteDescription(sender.localDescription!);
    await receiver.setLocalDescription();
    await sender.setRemoteDescription(receiver.localDescription!);
    try {
      while (w.__firstMedia.audio === null || w.__firstMedia.video === null) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return {
        captureToFrameMs: w.__firstMedia.video - start,
        negotiateToAudioMs: w.__firstMedia.audio - captured,
        negotiateToFrameMs: w.__firstMedia.video - captured,
      };
    } finally {
      stream.getTracks().forEach((t) => t.stop());
      sender.close();
      receiver.close();
    }
  }, videoCodec);
}

/** A connected pair that sends nothing, then starts sending: the least an answer on a pre-connection costs. */
export function measurePreconnectedFloor(page: Page): Promise<PreconnectedFloor> {
  return page.evaluate(async () => {
    const w = window as unknown as { __firstMedia: { audio: number | null; video: number | null } };
    const now = () => performance.timeOrigin + performance.now();
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 1280, height: 720 },
    });
    const sender = new RTCPeerConnection();
    const receiver = new RTCPeerConnection();
    sender.onicecandidate = (e) => void receiver.addIceCandidate(e.candidate ?? undefined);
    receiver.onicecandidate = (e) => void sender.addIceCandidate(e.candidate ?? undefined);
    const senders = stream.getTracks().map((track) => sender.addTrack(track, stream));
    await Promise.all(senders.map((s) => s.replaceTrack(null)));
    await sender.setLocalDescription();
    await receiver.setRemoteDescription(sender.localDescription!);
    await receiver.setLocalDescription();
    await sender.setRemoteDescription(receiver.localDescription!);
    try {
      while (sender.connectionState !== 'connected' || receiver.connectionState !== 'connected') {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      w.__firstMedia = { audio: null, video: null };
      const start = now();
      await Promise.all(senders.map((s, i) => s.replaceTrack(stream.getTracks()[i]!)));
      while (w.__firstMedia.audio === null || w.__firstMedia.video === null) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return { sendToAudioMs: w.__firstMedia.audio - start, sendToFrameMs: w.__firstMedia.video - start };
    } finally {
      stream.getTracks().forEach((t) => t.stop());
      sender.close();
      receiver.close();
    }
  });
}
