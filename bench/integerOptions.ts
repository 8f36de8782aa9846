/**
 * The integer options of a bench's command line (`--join-interval-ms 2000` for `joinIntervalMs`), each checked
 * against its range; a bad value stops the bench with one line naming the flag and exit code 2.
 */
export function readIntegerOptions<K extends string>(
  values: Record<string, unknown>,
  limits: Record<K, readonly [min: number, max: number]>,
): Record<K, number> {
  const parsed = {} as Record<K, number>;
  for (const [name, [min, max]] of Object.entries(limits) as Array<[K, readonly [number, number]]>) {
    const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const value = Number(values[flag]);
    if (!Number.isInteger(value) || value < min || value > max) {
      process.stderr.write(`--${flag} must be an integer from ${min} to ${max}\n`);
      process.exit(2);
    }
    parsed[name] = value;
  }
  return parsed;
}
