// Mocha configuration of the browser tests only (`npm run test:browser`); `npm test` keeps the
// project's .mocharc.json. GXPW_BROWSER_TESTS=1 (set by the npm script) lets the *.browser.test.js
// files register their suites: they match `npm test`'s spec glob too, and stay empty there.
module.exports = {
  spec: ['dist/test/browser/**/*.browser.test.js'],
  require: ['dist/test/browser/setup.js'],
  // A real browser on a shared two-core machine: pages, axe and screenshots take seconds each.
  timeout: 300000,
  slow: 30000,
  reporter: 'spec',
  exit: true,
};
