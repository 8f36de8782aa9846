// electron-builder afterSign hook: refuses a signed Windows build whose update configuration names no
// code-signing publisher. electron-updater checks a downloaded update's signature against app-update.yml's
// `publisherName` and skips the check when there is none; the app then refuses to update at all (fail
// closed), which this hook turns into a build error instead of a silent loss of updates. electron-builder
// fills publisherName from the signing certificate (CSC_LINK / WIN_CSC_LINK); with Azure Trusted Signing
// or a certificate store it must be given: -c.win.signtoolOptions.publisherName="Example Corp" or
// -c.win.azureSignOptions.publisherName="Example Corp". See docs/admin.md.
'use strict';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { existsSync, readFileSync } = require('node:fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const path = require('node:path');

/** Why app-update.yml's content cannot verify updates, or null when it names at least one publisher. */
function updateSigningProblem(appUpdateYml) {
  const lines = appUpdateYml.split(/\r?\n/);
  const index = lines.findIndex((line) => /^publisherName:/.test(line));
  if (index === -1) return 'app-update.yml names no publisherName';
  const inline = lines[index].slice('publisherName:'.length).trim();
  if (inline !== '' && inline !== "''" && inline !== '""') return null;
  const items = [];
  for (const line of lines.slice(index + 1)) {
    const item = /^ {2}- (.*)$/.exec(line);
    if (!item) break;
    items.push(item[1].trim());
  }
  return items.some((name) => name !== '' && name !== "''" && name !== '""')
    ? null
    : 'app-update.yml has an empty publisherName';
}

async function afterSign(context) {
  if (context.electronPlatformName !== 'win32') return;
  const file = path.join(context.appOutDir, 'resources', 'app-update.yml');
  // No feed, no self-update (and nothing to verify).
  if (!existsSync(file)) return;
  const problem = updateSigningProblem(readFileSync(file, 'utf8'));
  if (problem) {
    throw new Error(
      `${problem}: CallBridge would refuse to update itself. Set -c.win.signtoolOptions.publisherName ` +
        '(or azureSignOptions.publisherName) to the signing certificate’s subject; see docs/admin.md.',
    );
  }
}

module.exports = afterSign;
module.exports.updateSigningProblem = updateSigningProblem;
