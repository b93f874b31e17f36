"""JSON-script: the original project's AST language, translated to Python for the sandbox.

`translate.translate_script(document)` turns a script file (schema v2.2, or the v2.1
dialect the reference executor ran) into Python source; the sandbox compiles it with the
same RestrictedPython policy as hand-written scripts and runs it with `runtime.JS_GLOBALS`.
`translate.translate_component(component, script)` does the same for the component form
(`handlers` / `computed` bodies with `{{path}}` leaves and `setState`).

Modules: `emitter` (source lines + JSON pointers), `scope` (name resolution), `expressions`
and `statements` (one handler per node type), `translate` (documents), `jsvalues`,
`operators`, `methods` and `stdlib` (JavaScript semantics at run time), `runtime` (globals).

JavaScript semantics kept (Python would differ)
-----------------------------------------------
* `+` concatenates when either side is a string (`'a' + 1` is `"a1"`); `-`, `*`, `/`, `%`
  convert with ToNumber; division by zero gives Infinity/NaN instead of raising; `%` takes the
  sign of the dividend. Whole-number results are ints (`150 / 5` is `30`, not `30.0`).
* Truthiness: `0`, `NaN`, `""`, `null`, `undefined`, `false` are falsy; `[]` and `{}` are
  truthy. `&&`, `||`, `??` return an operand and short-circuit; `and`/`or` are accepted.
* Comparisons compare strings as strings and everything else as numbers; NaN compares false.
* Reading a property of null/undefined throws a TypeError (`?.` yields undefined); a missing
  property is `undefined`; arrays and strings have `length` and the usual methods.
* `undefined` is distinct from `null` inside a run; at the boundary, results are what
  `JSON.stringify` would produce (undefined properties vanish, NaN/Infinity become null).
* `typeof`, template literals and `String(x)` print numbers and booleans the JavaScript way.

Deliberate differences (documented, tested)
-------------------------------------------
* `==` / `!=` are strict (`===` / `!==`), as in the reference executor `script_executor.js`.
* Calling something that is not a function yields `undefined` (the reference executor's
  rule), not a TypeError.
* `const` is not enforced and declarations are function-scoped, not block-scoped (the
  reference executor kept all locals in one map); reading a local before its declaration
  gives `undefined`.
* Unknown identifiers evaluate to `undefined` (the reference executor), not a ReferenceError.
* `await` is a no-op and `async` functions run synchronously: every ctx call is synchronous.
* Integers are Python ints: arithmetic stays exact beyond 2**53 instead of rounding.
* Not supported (refused at translation with a JSON pointer): labelled break/continue,
  `{{...}}` leaves other than paths, unknown node types. Regular expression literals,
  classes, generators, getters/setters and `this` do not exist in the AST.
"""
