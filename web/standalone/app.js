// The stand-alone page's entry (build/web/app.js, loaded by web/index.html).
import { startStandalonePage } from './page.js';

startStandalonePage();
