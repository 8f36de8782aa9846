import type { PeerQualitySample } from '../../../shared/protocol.ts';

const LABEL = { good: 'Good connection', fair: 'Fair connection', poor: 'Poor connection' } as const;

function metric(value: number | null, unit: string, digits = 0): string {
  return value === null ? 'n/a' : `${value.toFixed(digits)} ${unit}`;
}

/** Three bars coloured by the spec's good/fair/poor; hovering or focusing shows the measured numbers. */
export function QualityIndicator({ sample }: { sample: PeerQualitySample | null }) {
  if (!sample) return null;
  const bars = { good: 3, fair: 2, poor: 1 }[sample.quality];
  return (
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
        <span>Packet loss {metric(sample.packetLossPct, '%', 1)}</span>
        <span>Bandwidth {metric(sample.availableBitrateKbps, 'kbps')}</span>
      </span>
    </span>
  );
}
