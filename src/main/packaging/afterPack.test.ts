import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

type AfterPack = ((context: unknown) => Promise<void>) & { FUSES: Record<string, boolean> };
const afterPack = createRequire(import.meta.url)('../../../build/afterPack.cjs') as AfterPack;

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's shipped defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, ASAR
// integrity off, load-only-from-asar off, V8 snapshot off, file:// privileges on, WASM trap handlers on.
const SHIPPED_WIRE = '101100011';

/** A stand-in for the Electron binary: some code, the fuse wire as Electron embeds it, more code. */
function fakeElectronBinary(file: string): void {
  const wire = Buffer.from(SHIPPED_WIRE, 'ascii');
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.alloc(4096, 0xcc),
      Buffer.from(SENTINEL),
      Buffer.from([1, wire.length]),
      wire,
      Buffer.alloc(4096, 0xcc),
    ]),
  );
}

describe('afterPack fuses hook', () => {
  let appOutDir: string;
  beforeEach(() => {
    appOutDir = mkdtempSync(path.join(tmpdir(), 'callbridge-pack-'));
  });
  afterEach(() => rmSync(appOutDir, { recursive: true, force: true }));

  for (const [platform, file] of [
    ['linux', 'callbridge'],
    ['win32', 'CallBridge.exe'],
  ] as const) {
    it(`turns off RunAsNode, NODE_OPTIONS and --inspect and enforces the asar on ${platform}`, async () => {
      const binary = path.join(appOutDir, file);
      fakeElectronBinary(binary);
      await afterPack({
        appOutDir,
        electronPlatformName: platform,
        arch: 1,
        packager: { appInfo: { productFilename: 'CallBridge' }, executableName: 'callbridge' },
      });

      const wire = await getCurrentFuseWire(binary);
      expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
      expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
      expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
      expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
      expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
      expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
      expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
      // Fuses the hook does not name keep Electron's default.
      expect(wire[FuseV1Options.WasmTrapHandlers]).toBe(FuseState.ENABLE);
    });
  }

  it('names every fuse it sets after a fuse Electron has', () => {
    for (const name of Object.keys(afterPack.FUSES)) expect(FuseV1Options).toHaveProperty(name);
  });
});
