import type { LinkDirectionQuality, PeerQualitySample } from '../../../shared/protocol/index.ts';

const LABEL = { good: 'Good connection', fair: 'Fair connection', poor: 'Poor connection' } as const;
const GRADE = { good: 'good', fair: 'fair', poor: 'poor' } as const;

function metric(value: number | null | undefined, unit: string, digits = 0): string {
  return value === null || value === undefined ? 'n/a' : `${value.toFixed(digits)} ${unit}`;
}

/** One direction's numbers: how the bars came about, for whoever wonders why the picture stutters. */
function Direction({
  title,
  link,
  bitrateLabel,
}: {
  title: string;
  link: LinkDirectionQuality;
  bitrateLabel: string;
}) {
  return (
    <span className="quality-direction" data-direction-quality={link.quality}>
      <em>
        {title}: {GRADE[link.quality]}
      </em>
      <span>
        Packet loss {metric(link.packetLossPct, '%', 1)} · jitter {metric(link.jitterMs, 'ms')}
      </span>
      <span>
        {bitrateLabel} {metric(link.bitrateKbps, 'kbps')}
      </span>
      {(link.nackPerSecond !== null || link.pliPerSecond !== null) && (
        <span>
          Repairs {metric(link.nackPerSecond, 'NACK/s', 1)} · {metric(link.pliPerSecond, 'PLI/s', 1)}
          {link.freezes !== null && ` · ${link.freezes} freeze${link.freezes === 1 ? '' : 's'}`}
        </span>
      )}
    </span>
  );
}

/**
 * Three bars coloured by the spec's good/fair/poor for the worse direction of the link; hovering or focusing
 * shows both directions with their numbers. Below it, a notice while our video toward this peer is paused.
 */
export function QualityIndicator({ sample }: { sample: PeerQualitySample | null }) {
  if (!sample) return null;
  const bars = { good: 3, fair: 2, poor: 1 }[sample.quality];
  return (
    <>
      <span
        className={`quality quality-${sample.quality}`}
        tabIndex={0}
        role="img"
        aria-label={LABEL[sample.quality]}
        data-testid="quality"
        data-quality={sample.quality}
      >
        {[1, 2, 3].map((i) => (
          <span key={i} className={i <= bars ? 'bar on' : 'bar'} />
        ))}
        <span className="tooltip" role="tooltip">
          <strong>{LABEL[sample.quality]}</strong>
          <span>Round trip {metric(sample.rttMs, 'ms')}</span>
          {sample.receive && sample.send ? (
            <>
              <Direction title="You receive them" link={sample.receive} bitrateLabel="Receiving" />
              <Direction title="They receive you" link={sample.send} bitrateLabel="Bandwidth to them" />
            </>
          ) : (
            <>
              <span>Packet loss {metric(sample.packetLossPct, '%', 1)}</span>
              <span>Bandwidth {metric(sample.availableBitrateKbps, 'kbps')}</span>
            </>
          )}
        </span>
      </span>
      {sample.videoPaused && (
        <span className="video-paused" role="status" data-testid="video-paused">
          Video paused: poor connection
        </span>
      )}
    </>
  );
}
