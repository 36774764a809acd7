#!/usr/bin/env node
// Entry point installed as `tao-spec-server` (the language server; pass --stdio).
require('../dist/server.js');
