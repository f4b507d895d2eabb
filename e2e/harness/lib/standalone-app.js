// The stand-alone page as the browser tests' bundle builds it (its app.js: tools/build.mjs): the
// product's page, plus the tests' one hook into its state, window.wtTestHook: the transfers, and the
// player and sync driver of the session on screen (the last one's, once it closed). The product's
// bundle starts the page from web/standalone/app.js, without it.
import { startStandalonePage } from '../../../web/standalone/page.js';

const hook = { transfers: null, player: null, sync: null };
window.wtTestHook = hook;
startStandalonePage({
  transfers: (transfers) => { hook.transfers = transfers; },
  active: (active) => {
    hook.sync = active?.driver ?? hook.sync;
    hook.player = active ? active.player : hook.player;
  },
});
