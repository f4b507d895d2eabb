// Test page for web/adapters/piece-store.js alone: exposes the module to Playwright's page.evaluate,
// with the options the receiver's driver writes with (for the transfer benchmark's storing-alone run).
import * as store from '../../web/adapters/piece-store.js';
import { WRITER_OPTIONS } from '../../web/controllers/transfer-receiver.js';

window.wtPieceStore = store;
window.wtWriterOptions = WRITER_OPTIONS;
document.body.dataset.ready = 'true';
