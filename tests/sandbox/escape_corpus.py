"""The adversarial corpus: escape attempts, each with the specific refusal it must meet.

Every case is a complete script (``def main(ctx): ...``). `code` is the expected
`ScriptError.code`, `message` must appear in the error message and `host_code`, when
set, is the host's refusal code; with `code=None` the refusal is a harmless answer.
The corpus runs through the real pool (tests/sandbox/test_escape_corpus.py) and through
`metabuilder scripts run` (tests/sandbox/test_cli_scripts.py).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Escape:
    name: str
    source: str
    code: str | None
    message: str = ""
    value: Any = None
    timeout_s: float = 2.0
    memory_mb: int = 128
    host_code: str | None = None

    @property
    def script(self) -> str:
        return textwrap.dedent(self.source).lstrip()


def _main(body: str) -> str:
    return "def main(ctx):\n" + textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n"


E = Escape
CORPUS: list[Escape] = [
    # --- dunder chains, refused when compiling -------------------------------------------
    E(
        "class_of_tuple",
        _main("return ().__class__"),
        "compile_error",
        '"__class__" is an invalid attribute name',
    ),
    E(
        "subclasses_chain",
        _main("return ().__class__.__bases__[0].__subclasses__()"),
        "compile_error",
        '"__class__"',
    ),
    E("function_globals", _main("return main.__globals__"), "compile_error", '"__globals__"'),
    E("function_code", _main("return main.__code__"), "compile_error", '"__code__"'),
    E(
        "builtins_name",
        _main("return __builtins__"),
        "compile_error",
        '"__builtins__" is an invalid variable name',
    ),
    E(
        "dunder_import",
        _main("return __import__('os')"),
        "compile_error",
        '"__import__" is an invalid variable name',
    ),
    E(
        "ctx_private_slot",
        _main("return ctx._sink"),
        "compile_error",
        '"_sink" is an invalid attribute name',
    ),
    E("ctx_dict", _main("return ctx.kv.__dict__"), "compile_error", '"__dict__"'),
    E("mro_dunder", _main("return [].__class__.__mro__"), "compile_error", '"__class__"'),
    E("exec_call", _main("exec('import os')"), "compile_error", "Exec calls are not allowed."),
    E("eval_call", _main("return eval('1+1')"), "compile_error", "Eval calls are not allowed."),
    E(
        "global_statement",
        "x = 1\ndef main(ctx):\n    global x\n    x = 2\n",
        "compile_error",
        "Global statements are not allowed.",
    ),
    E(
        "dunder_method_definition",
        "class X:\n    def __getattr__(self, n):\n        return n\ndef main(ctx):\n    return 1\n",
        "compile_error",
        '"__getattr__" is an invalid variable name',
    ),
    E(
        "metaclass_keyword",
        "class M(metaclass=type):\n    pass\ndef main(ctx):\n    return 1\n",
        "compile_error",
        'The keyword argument "metaclass" is not allowed.',
    ),
    E(
        "async_function",
        "async def main(ctx):\n    return 1\n",
        "compile_error",
        "AsyncFunctionDef statements are not allowed.",
    ),
    E(
        "private_name",
        _main("_x = 1\nreturn _x"),
        "compile_error",
        '"_x" is an invalid variable name',
    ),
    E(
        "match_statement",
        _main("match ctx:\n    case _:\n        return 1"),
        "compile_error",
        "Match statements are not allowed.",
    ),
    # --- frames, generators and tracebacks -----------------------------------------------
    E(
        "generator_frame_literal",
        _main("g = (x for x in [1])\nreturn g.gi_frame.f_back.f_globals"),
        "compile_error",
        '"gi_frame" is a restricted name',
    ),
    E(
        "generator_frame_getattr",
        _main("g = (x for x in [1])\nreturn getattr(g, 'gi_' + 'frame')"),
        "access_denied",
        'access to "gi_frame" is not allowed',
    ),
    E(
        "generator_code_getattr",
        _main("g = (x for x in [1])\nreturn getattr(g, 'gi_code')"),
        "access_denied",
        'access to "gi_code" is not allowed',
    ),
    E(
        "traceback_literal",
        _main("try:\n    1/0\nexcept Exception as e:\n    return e.__traceback__.tb_frame"),
        "compile_error",
        '"__traceback__"',
    ),
    E(
        "traceback_getattr",
        _main("try:\n    1/0\nexcept Exception as e:\n    return getattr(e, '__traceback__')"),
        "access_denied",
        'names starting with "_" are private',
    ),
    E(
        "with_traceback",
        _main("try:\n    1/0\nexcept Exception as e:\n    return e.with_traceback(None)"),
        "access_denied",
        'access to "with_traceback" is not allowed',
    ),
    E(
        "frame_attribute_on_function",
        _main("return getattr(main, 'func_globals')"),
        "access_denied",
        'access to "func_globals" is not allowed',
    ),
    E(
        "function_attribute",
        _main("def f():\n    pass\nreturn getattr(f, 'x', 1)"),
        "access_denied",
        "on a function is not allowed",
    ),
    # --- getattr and format-string tricks ------------------------------------------------
    E(
        "getattr_class",
        _main("return getattr((), '__class__')"),
        "access_denied",
        'access to "__class__" is not allowed',
    ),
    E(
        "getattr_concatenated",
        _main("return getattr(ctx, '_' + 'sink')"),
        "access_denied",
        'access to "_sink" is not allowed',
    ),
    E(
        "getattr_self_of_builtin",
        _main("return getattr(len, '__self__')"),
        "access_denied",
        '"__self__"',
    ),
    E(
        "getattr_on_module",
        _main("import math\nreturn getattr(math, '_members')"),
        "access_denied",
        '"_members"',
    ),
    E(
        "hasattr_probe",
        _main("return [hasattr(ctx, '_sink'), hasattr(ctx, 'kv')]"),
        None,
        value=[False, True],
    ),
    E("mro_call", _main("return int.mro()"), "access_denied", 'access to "mro" is not allowed'),
    E("format_class", _main("return '{0.__class__}'.format(1)"), "access_denied", '"__class__"'),
    E(
        "format_deep_chain",
        _main("return '{0.__class__.__base__.__subclasses__}'.format(())"),
        "access_denied",
        '"__class__"',
    ),
    E(
        "format_map_attribute",
        _main("return '{x.__class__}'.format_map({'x': 1})"),
        "access_denied",
        '"__class__"',
    ),
    E(
        "format_generator_frame",
        _main("g = (x for x in [1])\nreturn '{0.gi_frame}'.format(g)"),
        "access_denied",
        '"gi_frame"',
    ),
    E(
        "unbound_str_format",
        _main("return str.format('{0.__class__}', 1)"),
        "access_denied",
        '"__class__"',
    ),
    E(
        "partial_getattr",
        _main("import functools\nreturn functools.partial(getattr, (), '__class__')()"),
        "access_denied",
        '"__class__"',
    ),
    E(
        "map_getattr",
        _main("return list(map(getattr, [()], ['__class__']))"),
        "access_denied",
        '"__class__"',
    ),
    E(
        "decorator_steals_globals",
        "def steal(f):\n    return getattr(f, '__globals__')\n"
        "@steal\ndef g():\n    pass\ndef main(ctx):\n    return 1\n",
        "access_denied",
        '"__globals__"',
    ),
    # --- builtins that do not exist ------------------------------------------------------
    E(
        "open_file",
        _main("return open('/etc/passwd').read()"),
        "runtime_error",
        "NameError: name 'open' is not defined",
    ),
    E(
        "type_builtin",
        _main("return type(1)"),
        "runtime_error",
        "NameError: name 'type' is not defined",
    ),
    E(
        "object_builtin",
        _main("return object"),
        "runtime_error",
        "NameError: name 'object' is not defined",
    ),
    E(
        "vars_builtin",
        _main("return vars(ctx)"),
        "runtime_error",
        "NameError: name 'vars' is not defined",
    ),
    E(
        "globals_builtin",
        _main("return globals()"),
        "runtime_error",
        "NameError: name 'globals' is not defined",
    ),
    E(
        "compile_builtin",
        _main("return compile('1', 'x', 'eval')"),
        "runtime_error",
        "NameError: name 'compile' is not defined",
    ),
    E(
        "setattr_builtin",
        _main("setattr(ctx, 'input', 1)"),
        "runtime_error",
        "NameError: name 'setattr' is not defined",
    ),
    E(
        "super_builtin",
        _main("return super"),
        "runtime_error",
        "NameError: name 'super' is not defined",
    ),
    E(
        "breakpoint_builtin",
        _main("breakpoint()"),
        "compile_error",
        '"breakpoint" is a reserved name.',
    ),
    # --- imports -------------------------------------------------------------------------
    E(
        "import_os",
        _main("import os\nreturn os.environ['DATABASE_URL']"),
        "import_denied",
        "import of module 'os' is not allowed",
    ),
    E(
        "import_sys",
        _main("import sys\nreturn sys.modules"),
        "import_denied",
        "import of module 'sys' is not allowed",
    ),
    E(
        "import_subprocess",
        _main("import subprocess\nreturn subprocess.run(['id'])"),
        "import_denied",
        "'subprocess'",
    ),
    E("import_socket", _main("import socket\nreturn socket.socket()"), "import_denied", "'socket'"),
    E("import_ctypes", _main("import ctypes"), "import_denied", "'ctypes'"),
    E(
        "import_importlib",
        _main("import importlib\nreturn importlib.import_module('os')"),
        "import_denied",
        "'importlib'",
    ),
    E("from_os_import", _main("from os import path"), "import_denied", "'os'"),
    E(
        "import_builtins",
        _main("import builtins\nreturn builtins.open"),
        "compile_error",
        '"builtins" is a reserved name.',
    ),
    E(
        "import_multiprocessing",
        _main("import multiprocessing"),
        "import_denied",
        "'multiprocessing'",
    ),
    E(
        "relative_import",
        _main("from . import secrets"),
        "import_denied",
        "relative imports are not allowed",
    ),
    E("import_pickle", _main("import pickle"), "import_denied", "'pickle'"),
    E(
        "operator_attrgetter",
        _main("import operator\nreturn operator.attrgetter('__class__')(1)"),
        "runtime_error",
        "has no attribute 'attrgetter' available to scripts",
    ),
    E(
        "from_import_unlisted",
        _main("from operator import attrgetter"),
        "runtime_error",
        "cannot import name 'attrgetter'",
    ),
    E(
        "re_internals",
        _main("import re\nreturn re.sre_compile"),
        "runtime_error",
        "has no attribute 'sre_compile' available",
    ),
    # --- writes to ctx and modules -------------------------------------------------------
    E(
        "write_ctx_input",
        _main("ctx.input = {'level': 5}"),
        "access_denied",
        "writing to a Ctx object is not allowed",
    ),
    E(
        "write_ctx_user_level",
        _main("ctx.user.level = 5"),
        "access_denied",
        "writing to a User object is not allowed",
    ),
    E(
        "replace_kv_method",
        _main("ctx.kv.get = None"),
        "access_denied",
        "writing to a Kv object is not allowed",
    ),
    E(
        "delete_ctx_attribute",
        _main("del ctx.db"),
        "access_denied",
        "writing to a Ctx object is not allowed",
    ),
    E(
        "patch_module",
        _main("import json\njson.loads = None"),
        "access_denied",
        "writing to a SafeModule object is not allowed",
    ),
    E(
        "patch_builtin_type",
        _main("int.x = 1"),
        "access_denied",
        "writing to a type object is not allowed",
    ),
    E(
        "print_to_file",
        _main("print('x', file=ctx)"),
        "access_denied",
        "print(file=...) is not allowed",
    ),
    E(
        "secrets_not_listable",
        _main("return ctx.secrets.list()"),
        "runtime_error",
        "AttributeError",
    ),
    E("host_secret_by_name", _main("return ctx.secrets.get('DATABASE_URL')"), None, value=None),
    # --- network and processes through the host ------------------------------------------
    E(
        "http_to_database_port",
        _main("return ctx.http.get('http://127.0.0.1:5432/')"),
        "host_error",
        host_code="not_allowed",
    ),
    E(
        "db_outside_host_rules",
        _main("return ctx.db.list('users')"),
        "host_error",
    ),
    # --- resource bombs ------------------------------------------------------------------
    E(
        "recursion_bomb",
        "def f(n):\n    return f(n + 1)\ndef main(ctx):\n    return f(0)\n",
        "recursion_limit",
        "RecursionError",
    ),
    E(
        "nested_json_bomb",
        _main("import json\nreturn json.loads('[' * 100000 + ']' * 100000)"),
        "recursion_limit",
        "RecursionError",
    ),
    E("string_memory_bomb", _main("return len('a' * (10 ** 10))"), "memory_limit", "MemoryError"),
    E(
        "list_memory_bomb",
        _main("chunks = []\nwhile True:\n    chunks.append('x' * 10 ** 6)"),
        "memory_limit",
        "MemoryError",
    ),
    E(
        "infinite_python_loop",
        _main("while True:\n    pass"),
        "timeout",
        "longer than its 1 s limit",
        timeout_s=1.0,
    ),
    E(
        "infinite_c_loop",
        _main("import itertools\nreturn sum(itertools.repeat(1))"),
        "timeout",
        "longer than its 1 s limit",
        timeout_s=1.0,
    ),
    E(
        "huge_integer_power",
        _main("return 10 ** (10 ** 9)"),
        "timeout",
        "longer than its 1 s limit",
        timeout_s=1.0,
        memory_mb=1024,
    ),
    E(
        "catastrophic_regex",
        _main("import re\nreturn re.match('(a+)+$', 'a' * 40 + 'b')"),
        "regex_timeout",
        "regular expression ran longer",
    ),
    E(
        "caught_timeout_still_killed",
        _main(
            "while True:\n    try:\n        while True:\n            pass\n"
            "    except BaseException:\n        pass"
        ),
        "timeout",
        "was stopped",
        timeout_s=1.0,
    ),
    # --- outputs -------------------------------------------------------------------------
    E("huge_result", _main("return 'x' * (2 * 1024 * 1024)"), "output_limit", "the cap is"),
    E(
        "huge_event",
        _main("ctx.emit('big', 'y' * (1024 * 1024))"),
        "output_limit",
        "event cap reached",
    ),
    E(
        "event_flood",
        _main("for i in range(1000):\n    ctx.emit('e', i)"),
        "output_limit",
        "event cap reached",
    ),
    E("non_json_result", _main("return ctx"), "invalid_result", "JSON-serialisable"),
    E(
        "circular_result",
        _main("x = []\nx.append(x)\nreturn x"),
        "invalid_result",
        "Circular reference",
    ),
    E(
        "non_json_kv_value",
        _main("ctx.kv.set('k', ctx)"),
        "runtime_error",
        "arguments must be JSON-serialisable",
    ),
]
CORPUS += [
    E(
        "from_private_module",
        _main("from _strptime import re"),
        "compile_error",
        '"_strptime" is an invalid module name',
    ),
    E(
        "private_submodule",
        _main("import urllib._parse"),
        "compile_error",
        '"urllib._parse" is an invalid module name',
    ),
    E(
        "strptime_still_works_but_module_stays_hidden",
        _main(
            "import datetime\nd = datetime.datetime.strptime('2024-05-06', '%Y-%m-%d')\n"
            "return [d.month, hasattr(datetime, 'sys')]"
        ),
        None,
        value=[5, False],
    ),
    E("import_time", _main("import time\ntime.sleep(100)"), "import_denied", "'time'"),
    E("from_time_import", _main("from time import sleep"), "import_denied", "'time'"),
]
