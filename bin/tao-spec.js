#!/usr/bin/env node
// Entry point installed as `tao-spec`; the bundle holds the code.
require('../dist/cli.js').run(process.argv.slice(2));
