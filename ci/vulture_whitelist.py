"""Names vulture reports at 60% confidence that stay, and why.

    vulture jitboot dodo.py ci/vulture_whitelist.py --min-confidence 60 \
        --ignore-names 'task_*,DOIT_CONFIG,i_*,x_*'

then shows only new findings.  tests/test_lint.py gates at 80% (no false
positives there); this file records the review of the 60% ones.  Each line
below uses a name the way vulture cannot see it used.
"""

import argparse

from jitboot import components, doit_glue, fuzz, protocol, pytest_plugin, qbe, qemu, recipe, render

# Found by name, not called: doit's task_* functions and DOIT_CONFIG in
# dodo.py, llvm.Function's i_<opcode> and x_<intrinsic> handlers (getattr
# dispatch; x_debugtrap and x_ubsantrap are aliases of x_trap).
# ignore-names above covers the prefixes.

# Read through getattr / dataclasses: the Recipe fields come from KEYS.
recipe.Recipe.description
recipe.Recipe.qbe_nins
recipe.Recipe.jit_passes
recipe.Recipe.payload_timeout
qemu.RunResult.exit_code

# doit calls it: ConsoleReporter's hook at the end of a run.
doit_glue.Reporter.complete_run

# pytest calls them by name: the plugin's hooks, its collectors' and
# items' methods, its fixture; and reads the distribution mode it sets.
pytest_plugin.pytest_addoption
pytest_plugin.pytest_cmdline_main
pytest_plugin.pytest_configure
pytest_plugin.Boots.pytest_collect_file
pytest_plugin.RecipeFile.collect
pytest_plugin.Medium.collect
pytest_plugin.KtapItem.reportinfo
pytest_plugin.KtapItem.setup
pytest_plugin.KtapItem.runtest
pytest_plugin.jitboot_boot
argparse.Namespace.dist     # pytest's config.option, where pytest-xdist reads --dist

# Declared in the manifest, read by nobody yet: the seam for a second
# architecture (components.py's docstring), and the programs a program
# needs built first (dodo.py does not use it yet: it is being reworked).
components.Component.arch
components.Program.needs

# The benchmark line protocol (jit/bench.c bench_line); jitboot/bench.py,
# being reworked, is to parse with these rather than its own strings.
protocol.BENCH_KEYS
protocol.BENCH_JIT_FAILED
protocol.BENCH_RECORDS

# Public helpers only the tests use today.
components.ownership_problems
fuzz.replay
protocol.payload_test_name
protocol.payload_results
protocol.expected_fault
qbe.DEFAULT_NINS
qemu.exit_code_for
render.protocol_header
