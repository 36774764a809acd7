#!/usr/bin/env node
// Entry point installed as `tao-engine`; the bundle dist/engine.js holds the code.
require('../dist/engine.js').run(process.argv.slice(2));
