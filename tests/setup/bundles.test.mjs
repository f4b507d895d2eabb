// The two page bundles (tools/build.mjs): the product's exposes nothing to the page's other scripts
// (no window.wt… global, no test hook, no test page), and the tests' has the one hook the browser
// tests read. Both are built in memory from the same sources with buildWeb's options, so a hook that
// leaks into the product's bundle fails here. Run: node --test tests/setup/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { webOptions } from '../../tools/build.mjs';

async function build(test) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({ ...webOptions({ test }), write: false, sourcemap: false, logLevel: 'silent' });
  return new Map(result.outputFiles.map((f) => [basename(f.path), f.text]));
}

test('the product bundle sets no window.wt… global and holds no test page; the tests\' bundle has the one hook', async () => {
  const [product, tests] = [await build(false), await build(true)];
  const globals = (files) => [...files].flatMap(([name, text]) => [...text.matchAll(/window\.(wt\w*)\s*=/g)].map((m) => `${name}: ${m[1]}`));
  assert.deepEqual(globals(product), []);
  assert.deepEqual([...product.keys()].filter((n) => /^(bench|harness)/.test(n) || n.includes('/')), []);
  assert.ok(!product.has('bench.js'), 'the bench page is in the tests\' bundle only');
  // The same source, built for the tests: the hook is there (so the check above can see one).
  assert.deepEqual(globals(tests).filter((g) => g.startsWith('app.js')), ['app.js: wtTestHook']);
  assert.ok(tests.has('bench.js'));
});
