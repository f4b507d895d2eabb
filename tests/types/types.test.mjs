// The boundary between the wasm core and the JavaScript around it, checked both ways:
//  - every module of web/ type-checks (tsc, web/tsconfig.json) against the core's types
//    (src/bindings/watch_core.d.ts) and the browser's, and the component against its published
//    types (web/component/watch-together.d.ts): a binding renamed or retyped in the .d.ts fails here
//    wherever JavaScript still uses the old one;
//  - the .d.ts says what the built module (build/wasm/watch_core.mjs, bindings.cpp) exports, no more
//    and no less: every function, class, method, static function and constant, with the number of
//    arguments each takes (Embind's own count). A binding renamed, added, removed or given another
//    argument in bindings.cpp fails here until the .d.ts says so too.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DTS = join(ROOT, 'src', 'bindings', 'watch_core.d.ts');
const MODULE = join(ROOT, 'build', 'wasm', 'watch_core.mjs');

test('web/ type-checks against the core\'s, the component\'s and the browser\'s types (tsc -p web/tsconfig.json)', () => {
  const configPath = join(ROOT, 'web', 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  assert.ok(parsed.fileNames.length > 20, `web/tsconfig.json includes ${parsed.fileNames.length} files`);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checked = program.getSourceFiles().map((f) => f.fileName);
  for (const must of [DTS, join(ROOT, 'web', 'component', 'watch-together.d.ts'), join(ROOT, 'web', 'component', 'watch-together.js')]) {
    assert.ok(checked.includes(must), `${must} is part of the check`);
  }
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' });
  assert.equal(diagnostics.length, 0, `tsc found ${diagnostics.length} problems:\n${text}`);
});

// What watch_core.d.ts declares: { functions: name → argument count, constants: [name],
// classes: name → { ctor: argument count, methods: name → count, statics: name → count } }.
function declared() {
  const source = ts.createSourceFile(DTS, readFileSync(DTS, 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = new Map();
  source.forEachChild((n) => { if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n); });
  const nameOf = (m) => m.name.getText(source);
  // A class's methods: its interface's, and those of the interfaces it extends (EmbindObject's
  // delete() belongs to every Embind class alike and is left out).
  const methodsOf = (name, out = new Map()) => {
    const decl = interfaces.get(name);
    assert.ok(decl, `watch_core.d.ts: no interface ${name}`);
    for (const clause of decl.heritageClauses ?? []) {
      for (const t of clause.types) if (t.expression.getText(source) !== 'EmbindObject') methodsOf(t.expression.getText(source), out);
    }
    for (const m of decl.members) {
      if (ts.isMethodSignature(m)) out.set(nameOf(m), m.parameters.length);
      else if (ts.isPropertySignature(m)) out.set(nameOf(m), 'property');
    }
    return out;
  };
  const classOf = (construct, statics = new Map()) => {
    const instance = construct.type.getText(source);
    return { instance, ctor: construct.parameters.length, methods: methodsOf(instance), statics };
  };
  const result = { functions: new Map(), constants: [], classes: new Map() };
  for (const m of interfaces.get('WatchCore').members) {
    const name = nameOf(m);
    if (ts.isMethodSignature(m)) result.functions.set(name, m.parameters.length);
    else if (m.type && ts.isConstructorTypeNode(m.type)) result.classes.set(name, classOf(m.type));
    else if (m.type && ts.isTypeLiteralNode(m.type)) {
      const construct = m.type.members.find(ts.isConstructSignatureDeclaration);
      assert.ok(construct, `watch_core.d.ts: WatchCore.${name} is an object type without new()`);
      const statics = new Map(m.type.members.filter(ts.isMethodSignature).map((s) => [nameOf(s), s.parameters.length]));
      result.classes.set(name, classOf(construct, statics));
    } else if (m.type?.kind === ts.SyntaxKind.NumberKeyword) result.constants.push(name);
    else assert.fail(`watch_core.d.ts: WatchCore.${name} is neither a function, a class nor a number`);
  }
  return result;
}

// What the built module exports through Embind. Embind marks what it made: a function or a class
// constructor carries argCount; a class's prototype derives from Embind's ClassHandle.
async function exported() {
  const { default: createWatchCore } = await import(MODULE);
  const core = await createWatchCore({ wasmBinary: readFileSync(MODULE.replace(/\.mjs$/, '.wasm')) });
  const isClass = (v) => typeof v === 'function' && Object.getPrototypeOf(v.prototype ?? {})?.constructor?.name === 'ClassHandle';
  const own = (o, skip) => Object.getOwnPropertyNames(o).filter((n) => !skip.includes(n));
  const result = { functions: new Map(), constants: [], classes: new Map() };
  for (const [name, v] of Object.entries(core)) {
    if (isClass(v)) {
      const methods = new Map();
      for (const m of own(v.prototype, ['constructor'])) {
        const d = Object.getOwnPropertyDescriptor(v.prototype, m);
        methods.set(m, d.get ? 'property' : d.value.argCount);
      }
      const statics = new Map(own(v, ['length', 'name', 'prototype', 'argCount']).map((s) => [s, v[s].argCount]));
      result.classes.set(name, { ctor: constructorCounts(v), methods, statics });
    } else if (typeof v === 'function' && Object.hasOwn(v, 'argCount')) result.functions.set(name, v.argCount);
    else if (typeof v === 'number') result.constants.push(name);
  }
  return result;
}

// The argument counts a class's constructors take: Embind keeps them to itself, but says them when
// called with a count it has none for (and constructs nothing then).
function constructorCounts(C) {
  try {
    new C(...new Array(64));
  } catch (e) {
    const m = /expected \(([\d,]*)\) parameters/.exec(e.message);
    if (m) return m[1].split(',').filter(Boolean).map(Number);
    throw e;
  }
  assert.fail(`new ${C.name}() with 64 arguments constructed something`);
}

// Embind's argCount: an array of the overloads' counts for a constructor, a number otherwise.
const takes = (count, n) => (Array.isArray(count) ? count.includes(n) : count === n);
const sorted = (it) => [...it].sort();

test('watch_core.d.ts declares exactly what the wasm module exports, with the same argument counts', async (t) => {
  if (!existsSync(MODULE)) assert.fail(`${MODULE} is missing: build it first (node tools/build.mjs --wasm)`);
  const d = declared();
  const e = await exported();
  assert.deepEqual(sorted(d.functions.keys()), sorted(e.functions.keys()), 'functions');
  assert.deepEqual(sorted(d.constants), sorted(e.constants), 'constants');
  assert.deepEqual(sorted(d.classes.keys()), sorted(e.classes.keys()), 'classes');
  for (const [name, n] of d.functions) assert.ok(takes(e.functions.get(name), n), `${name}(): declared with ${n} arguments, bound with ${e.functions.get(name)}`);
  for (const [name, dc] of d.classes) {
    await t.test(name, () => {
      const ec = e.classes.get(name);
      assert.ok(takes(ec.ctor, dc.ctor), `new ${name}(): declared with ${dc.ctor} arguments, bound with ${ec.ctor}`);
      assert.deepEqual(sorted(dc.methods.keys()), sorted(ec.methods.keys()), `${name}'s methods (${dc.instance} in watch_core.d.ts)`);
      for (const [m, n] of dc.methods) {
        const bound = ec.methods.get(m);
        assert.ok(n === 'property' ? bound === 'property' : takes(bound, n), `${name}.${m}: declared ${n === 'property' ? 'a property' : `with ${n} arguments`}, bound ${bound === 'property' ? 'as a property' : `with ${bound}`}`);
      }
      assert.deepEqual(sorted(dc.statics.keys()), sorted(ec.statics.keys()), `${name}'s static functions`);
      for (const [s, n] of dc.statics) assert.ok(takes(ec.statics.get(s), n), `${name}.${s}(): declared with ${n} arguments, bound with ${ec.statics.get(s)}`);
    });
  }
});
