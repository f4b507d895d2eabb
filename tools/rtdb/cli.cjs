#!/usr/bin/env node
'use strict';
// Usage: node tools/rtdb/cli.cjs [--port N] [--rules path/to/database.rules.json] [--log]
// Prints one JSON line {"port":..,"namespace":..} once listening; runs until SIGINT/SIGTERM.

const fs = require('fs');
const { startEmbeddedDatabase } = require('./index.cjs');

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') opts.port = Number(argv[++i]);
    else if (arg === '--rules') opts.rules = JSON.parse(fs.readFileSync(argv[++i], 'utf8'));
    else if (arg === '--log') opts.log = true;
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (opts.port !== undefined && !Number.isInteger(opts.port)) throw new Error('--port needs a number');
  return opts;
}

async function main() {
  const db = await startEmbeddedDatabase(parseArgs(process.argv.slice(2)));
  process.stdout.write(JSON.stringify({ port: db.port, namespace: db.namespace }) + '\n');
  const stop = () => db.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
