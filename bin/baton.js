#!/usr/bin/env node
// Entry point of the `baton` command once built (`npm run build`).
import '../dist/cli/baton.js';
