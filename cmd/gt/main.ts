#!/usr/bin/env node
// Before anything else: with no SIGUSR1 listener Node 20 opens its debugger on 127.0.0.1:9229.
// The flag lets `gt daemon run` honour a USR1 that arrived while it was still loading.
process.on('SIGUSR1', () => {
  (globalThis as { __gtPendingUsr1?: boolean }).__gtPendingUsr1 = true;
});

const { main } = await import('../../internal/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
