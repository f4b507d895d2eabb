// Test page for web/adapters/piece-store.js alone: exposes the module to Playwright's page.evaluate.
import * as store from '../../web/adapters/piece-store.js';

window.wtPieceStore = store;
document.body.dataset.ready = 'true';
