#!/usr/bin/env node
// The `weft` command (source: build/cli.ts, compiled to dist/ by `npm run build`).
import "../dist/build/cli.js";
