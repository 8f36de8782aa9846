/**
 * app-update.yml, which electron-builder writes into the app's resources when the build has a `publish`
 * feed. electron-updater reads it for the feed and, on Windows, for `publisherName`: the code-signing
 * publishers an update must be signed by. Without a publisherName, electron-updater installs a downloaded
 * update without checking its signature at all, so the app reads the file first and refuses to update
 * rather than let that happen (updater.service.ts).
 *
 * The file is a flat YAML mapping of strings and lists of strings (electron-builder serialises it with
 * js-yaml). This parser accepts exactly that shape, and nothing else: anything it does not understand makes
 * the file unreadable, and updating stays off.
 */

export interface BundledUpdateConfig {
  provider: string;
  /** Publisher names (certificate common names or full DNs) an update must be signed by; may be empty. */
  publisherNames: string[];
}

export type BundledUpdateRead =
  | { status: 'absent' }
  | { status: 'unreadable'; problem: string }
  | { status: 'present'; config: BundledUpdateConfig };

const KEY = /^([A-Za-z_][A-Za-z0-9_]*|'(?:[^']|'')*'):(?: (.*))?$/;
const LIST_ITEM = /^ {2}- (.*)$/;

/** A YAML flow scalar as js-yaml writes one: 'single' (with '' for '), "double" (JSON escapes) or plain. */
function scalar(text: string): string {
  const value = text.trim();
  if (value.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(value)) throw new Error(`bad single-quoted string: ${value}`);
    return value.slice(1, -1).replaceAll("''", "'");
  }
  if (value.startsWith('"')) return JSON.parse(value) as string;
  if (value === '' || /^[[{&*!|>%@`#]/.test(value)) throw new Error(`unsupported value: ${value}`);
  return value;
}

/** The mapping in `text`, or null when it is not the flat shape described above. */
export function parseAppUpdateYml(text: string): Record<string, string | string[]> | null {
  const result: Record<string, string | string[]> = {};
  let list: string[] | null = null;
  try {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const item = LIST_ITEM.exec(line);
      if (item) {
        if (!list) return null;
        list.push(scalar(item[1]!));
        continue;
      }
      const entry = KEY.exec(line);
      if (!entry) return null;
      const key = scalar(entry[1]!);
      if (Object.hasOwn(result, key)) return null;
      if (entry[2] === undefined || entry[2].trim() === '') {
        list = [];
        result[key] = list;
      } else {
        list = null;
        result[key] = scalar(entry[2]);
      }
    }
  } catch {
    return null;
  }
  return result;
}

export function bundledUpdateConfig(text: string): BundledUpdateRead {
  const yml = parseAppUpdateYml(text);
  if (!yml) return { status: 'unreadable', problem: 'app-update.yml is not in the expected format' };
  const { provider, publisherName } = yml;
  if (typeof provider !== 'string')
    return { status: 'unreadable', problem: 'app-update.yml names no provider' };
  const names =
    publisherName === undefined ? [] : typeof publisherName === 'string' ? [publisherName] : publisherName;
  return {
    status: 'present',
    config: { provider, publisherNames: names.map((name) => name.trim()).filter((name) => name !== '') },
  };
}
