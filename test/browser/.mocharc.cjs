// Mocha configuration of the browser tests only (`npm run test:browser`); `npm test` keeps the
// project's .mocharc.json, which ignores dist/test/browser.
module.exports = {
  spec: ['dist/test/browser/**/*.browser.test.js'],
  require: ['dist/test/browser/setup.js'],
  // A real browser on a shared two-core machine: pages, axe and screenshots take seconds each.
  timeout: 300000,
  slow: 30000,
  reporter: 'spec',
  exit: true,
};
