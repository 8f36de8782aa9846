import type { CSSProperties } from 'react';

/** A stable hue per person, so the same colleague always gets the same colour across screens. */
export function hueOf(seed: string): number {
  // FNV-1a: cheap, and spreads similar ids (UUIDs) over the whole colour wheel.
  let hash = 0x811c9dc5;
  for (const char of seed) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return (hash >>> 0) % 360;
}

export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters =
    words.length > 1 ? [words[0]![0], words[words.length - 1]![0]] : [name.trim()[0], name.trim()[1]];
  return letters.filter(Boolean).join('').toUpperCase() || '?';
}

export function Avatar({
  name,
  seed,
  size = 'md',
}: {
  name: string;
  seed: string;
  size?: 'sm' | 'md' | 'lg' | 'xl';
}) {
  // A custom property set through the CSSOM, which the strict CSP allows (inline style attributes it would not).
  const style = { '--hue': hueOf(seed) } as CSSProperties;
  return (
    <span className={`avatar avatar-${size}`} style={style} aria-hidden="true">
      {initialsOf(name)}
    </span>
  );
}
