// Loads the C++/WebAssembly core (built by CMake into build/wasm, served at /core/ by default; a
// messenger that serves it elsewhere passes the module's URL).
export const DEFAULT_CORE_URL = '/core/watch_core.mjs';
const loading = new Map();  // url → Promise of the core

/** @returns {Promise<import('../../src/bindings/watch_core').WatchCore>} */
export function loadCore(url = DEFAULT_CORE_URL) {
  if (!loading.has(url)) loading.set(url, import(/* webpackIgnore: true */ url).then((m) => m.default()));
  return loading.get(url);
}
