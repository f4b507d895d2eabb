// Loads the C++/WebAssembly core (built by CMake into build/wasm, served at /core/).
let corePromise = null;

export function loadCore() {
  corePromise ??= import(/* webpackIgnore: true */ '/core/watch_core.mjs').then((m) => m.default());
  return corePromise;
}
