// Runs first in every npm script that executes TypeScript with `node file.ts`. Plain CommonJS that any Node
// can parse, so a Node that cannot run TypeScript gets one line saying what to do instead of
// ERR_UNKNOWN_FILE_EXTENSION. Inside npm scripts `node` is node_modules/.bin/node, the Node 24 that `npm ci`
// installs (package.json optionalDependencies); this only fails where that binary is missing.
'use strict';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { existsSync } = require('fs');

if (!(process.features && process.features.typescript)) {
  const npmMajor = Number((/\bnpm\/(\d+)/.exec(process.env.npm_config_user_agent || '') || [])[1]);
  let advice;
  if (!existsSync(`${__dirname}/../node_modules`)) {
    advice = 'run `npm ci` first: it installs the Node 24 that npm scripts run on';
  } else if (existsSync(`${__dirname}/../node_modules/.bin/node`)) {
    advice = 'run it through npm (npm start, npm test, npm run <script>), which runs node_modules/.bin/node';
  } else if (npmMajor > 0 && npmMajor < 7) {
    advice = `npm ${npmMajor} is too old to install it: update npm (npm install -g npm@11) and run \`npm ci\` again`;
  } else {
    advice =
      '`npm ci` installs Node 24 into node_modules, but it is not there ' +
      `(no Node 24 package for ${process.platform}-${process.arch}, or optional dependencies were omitted): ` +
      'install Node.js 24 from https://nodejs.org and run this again';
  }
  console.error(
    `CallBridge needs Node.js 22.18 or newer (24 recommended), found ${process.version} (${process.execPath}): ${advice}.`,
  );
  process.exit(1);
}
