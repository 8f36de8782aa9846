// electron-builder afterPack hook: flips Electron's fuses on the packaged binary before it is signed, so the
// signature covers the final bytes. Fuses are compile-time switches that a user (or malware) cannot turn
// back on with command-line flags or environment variables.
// https://www.electronjs.org/docs/latest/tutorial/fuses
'use strict';

// electron-builder loads hooks with require(), so this file is CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const path = require('node:path');

/** The fuse settings, by name, so that the test and the docs can read what is enforced. */
const FUSES = {
  // `ELECTRON_RUN_AS_NODE=1 CallBridge` would otherwise turn the signed app into a general-purpose Node.
  RunAsNode: false,
  // Cookies (sessions with the signaling server) encrypted at rest with the OS keychain.
  EnableCookieEncryption: true,
  // NODE_OPTIONS and --inspect would let anyone inject code into the signed app's main process.
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  // The app's code is only ever loaded from app.asar, and app.asar must match the hash in the binary.
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  // The renderer is served from app://, so file:// needs none of its historical extra privileges.
  GrantFileProtocolExtraPrivileges: false,
};

/** The file holding the fuse wire for the platform electron-builder just packed. */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const productFilename = packager.appInfo.productFilename;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${productFilename}.exe`);
    default:
      return path.join(appOutDir, packager.executableName);
  }
}

async function afterPack(context) {
  // @electron/fuses is ESM-only.
  const { flipFuses, FuseVersion, FuseV1Options } = await import('@electron/fuses');
  const config = { version: FuseVersion.V1 };
  for (const [name, value] of Object.entries(FUSES)) config[FuseV1Options[name]] = value;
  // macOS: flipping fuses breaks the binary's ad-hoc signature, and Apple silicon refuses to run unsigned code;
  // re-sign ad hoc (real signing comes after this hook).
  config.resetAdHocDarwinSignature = context.electronPlatformName === 'darwin';
  await flipFuses(electronBinaryPath(context), config);
}

module.exports = afterPack;
module.exports.FUSES = FUSES;
