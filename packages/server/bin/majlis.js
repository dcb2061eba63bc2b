#!/usr/bin/env node
// The `majlis` command: runs the compiled CLI (built by `npm ci` / `npm run build`).
import '../dist/cli/index.js';
