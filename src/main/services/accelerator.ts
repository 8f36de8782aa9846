/**
 * Validation of Electron accelerator strings (https://www.electronjs.org/docs/latest/api/accelerator) for
 * the global mute shortcut. A global shortcut fires whatever app has focus, so it must include a modifier
 * other than Shift (a bare "M" or "Shift+M" would swallow the user's typing everywhere); function keys and
 * media keys are fine alone.
 */

const MODIFIERS = new Set([
  'command',
  'cmd',
  'control',
  'ctrl',
  'commandorcontrol',
  'cmdorctrl',
  'alt',
  'option',
  'altgr',
  'shift',
  'super',
  'meta',
]);

const NAMED_KEYS = new Set([
  'plus',
  'space',
  'tab',
  'capslock',
  'numlock',
  'scrolllock',
  'backspace',
  'delete',
  'insert',
  'return',
  'enter',
  'up',
  'down',
  'left',
  'right',
  'home',
  'end',
  'pageup',
  'pagedown',
  'escape',
  'esc',
  'printscreen',
  'numdec',
  'numadd',
  'numsub',
  'nummult',
  'numdiv',
]);

const STANDALONE_KEYS = new Set([
  'volumeup',
  'volumedown',
  'volumemute',
  'medianexttrack',
  'mediaprevioustrack',
  'mediastop',
  'mediaplaypause',
]);

const PUNCTUATION = new Set([...')!@#$%^&*(:;:+=<,_->.?/~`{][|\\}"\'']);

function isFunctionKey(key: string): boolean {
  return /^f([1-9]|1\d|2[0-4])$/.test(key);
}

function isKeyCode(key: string): boolean {
  return (
    /^[a-z0-9]$/.test(key) ||
    /^num[0-9]$/.test(key) ||
    isFunctionKey(key) ||
    NAMED_KEYS.has(key) ||
    STANDALONE_KEYS.has(key) ||
    (key.length === 1 && PUNCTUATION.has(key))
  );
}

/** Why the accelerator cannot be a global shortcut, or null when it can. */
export function globalShortcutProblem(accelerator: string): string | null {
  const parts = accelerator.split('+');
  // "Plus" is the only way to name the + key: "Ctrl++" splits into an empty part.
  if (parts.some((p) => p.trim() === '' || p !== p.trim()))
    return 'use the form Modifier+Key, e.g. CommandOrControl+Shift+M';
  const key = parts.at(-1)!.toLowerCase();
  const modifiers = parts.slice(0, -1).map((p) => p.toLowerCase());
  if (!isKeyCode(key)) return `"${parts.at(-1)}" is not a key Electron knows`;
  const unknown = modifiers.find((m) => !MODIFIERS.has(m));
  if (unknown !== undefined)
    return `"${unknown}" is not a modifier (use CommandOrControl, Alt, Shift or Super)`;
  if (new Set(modifiers).size !== modifiers.length) return 'a modifier is repeated';
  const standalone = isFunctionKey(key) || STANDALONE_KEYS.has(key);
  if (!standalone && !modifiers.some((m) => m !== 'shift')) {
    return 'add CommandOrControl, Alt or Super: a shortcut without one would take over typing in every app';
  }
  return null;
}
