import { describe, expect, it } from 'vitest';
import { applicationMenuTemplate, DEVELOPMENT_ROLES, type MenuItemSpec } from './applicationMenu.ts';

function roles(items: MenuItemSpec[]): string[] {
  return items.flatMap((item) => [
    ...('role' in item ? [item.role] : []),
    ...('submenu' in item ? roles(item.submenu) : []),
  ]);
}

describe('application menu', () => {
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    it(`has no Reload or Developer Tools (nor their shortcuts) in a packaged build on ${platform}`, () => {
      const packaged = roles(applicationMenuTemplate({ platform, isPackaged: true }));
      for (const dev of DEVELOPMENT_ROLES) expect(packaged).not.toContain(dev);
      // Composite roles would bring Electron's default View menu (with Reload and DevTools) back in.
      expect(packaged).not.toContain('viewMenu');
      expect(packaged).not.toContain('defaultMenu');
      expect(packaged).toEqual(
        expect.arrayContaining(['quit', 'copy', 'paste', 'selectAll', 'togglefullscreen']),
      );
    });
  }

  it('keeps Reload and Developer Tools for development runs', () => {
    expect(roles(applicationMenuTemplate({ platform: 'linux', isPackaged: false }))).toEqual(
      expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']),
    );
  });

  it('follows each platform’s conventions', () => {
    const mac = applicationMenuTemplate({ platform: 'darwin', isPackaged: true });
    expect(mac[0]).toMatchObject({ role: 'appMenu' });
    expect(roles(mac)).toContain('pasteAndMatchStyle');
    expect(applicationMenuTemplate({ platform: 'win32', isPackaged: true })[0]).toMatchObject({
      role: 'fileMenu',
    });
  });
});
