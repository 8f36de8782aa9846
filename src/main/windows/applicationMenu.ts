/**
 * The application menu, as data the shell adapter hands to Electron's Menu.buildFromTemplate. Electron's
 * default menu has View > Reload and Toggle Developer Tools, with their shortcuts (Ctrl/Cmd+R,
 * Ctrl+Shift+I / Alt+Cmd+I): in a packaged build they would let anyone at the keyboard drop a call by
 * reloading, or inspect the page and its session token. So a packaged build gets only what a user needs,
 * and the development items exist only in development runs. (Packaged windows also have DevTools turned off
 * in their webPreferences, so no other route opens them.)
 *
 * Menu roles bring their platform's standard labels and shortcuts; the Edit roles are what makes copy and
 * paste work in text fields on macOS.
 */

/** The subset of Electron's MenuItemConstructorOptions the app uses. */
export type MenuItemSpec =
  | { role: MenuRole }
  | { type: 'separator' }
  | { label: string; submenu: MenuItemSpec[] }
  | { role: 'appMenu' | 'fileMenu' | 'editMenu' | 'windowMenu'; label?: string; submenu: MenuItemSpec[] };

export type MenuRole =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'close'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'pasteAndMatchStyle'
  | 'delete'
  | 'selectAll'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools';

/** Menu items that reach into the page itself; development runs only. */
export const DEVELOPMENT_ROLES: readonly MenuRole[] = ['reload', 'forceReload', 'toggleDevTools'];

const separator = { type: 'separator' } as const;
const role = (name: MenuRole): MenuItemSpec => ({ role: name });

export function applicationMenuTemplate(options: {
  platform: NodeJS.Platform;
  isPackaged: boolean;
}): MenuItemSpec[] {
  const mac = options.platform === 'darwin';
  const view: MenuItemSpec[] = [
    ...(options.isPackaged ? [] : [...DEVELOPMENT_ROLES.map(role), separator]),
    role('resetZoom'),
    role('zoomIn'),
    role('zoomOut'),
    separator,
    role('togglefullscreen'),
  ];
  return [
    ...(mac
      ? [
          {
            role: 'appMenu' as const,
            submenu: [
              role('about'),
              separator,
              role('services'),
              separator,
              role('hide'),
              role('hideOthers'),
              role('unhide'),
              separator,
              role('quit'),
            ],
          },
        ]
      : [{ role: 'fileMenu' as const, submenu: [role('quit')] }]),
    {
      role: 'editMenu',
      submenu: [
        role('undo'),
        role('redo'),
        separator,
        role('cut'),
        role('copy'),
        role('paste'),
        ...(mac ? [role('pasteAndMatchStyle')] : []),
        role('delete'),
        separator,
        role('selectAll'),
      ],
    },
    { label: 'View', submenu: view },
    {
      role: 'windowMenu',
      submenu: mac
        ? [role('minimize'), role('zoom'), separator, role('front')]
        : [role('minimize'), role('close')],
    },
  ];
}
