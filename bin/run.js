#!/usr/bin/env node
// Development entry (npm layout, compiled dist/). The shipped artifact is dist/docker-coredata.
const path = require('node:path');
require('../dist/main')
  .main(process.argv.slice(2), path.basename(process.argv[1]))
  .catch((error) => {
    process.stderr.write(`Error: ${error.message}\n`);
    process.exitCode = 1;
  });
